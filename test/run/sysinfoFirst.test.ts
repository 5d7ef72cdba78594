// The host snapshot runs alongside the start of a run (in a worker thread), but sysinfo.json
// is complete on disk before the first diagnostic starts: the diagnostic here checks it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// cwd is the sub-run folder (runs/<RUN_ID>/subruns/<SUBRUN_ID>): ../../sysinfo.json must already be whole JSON with every part.
const checkSysinfo = `#!/usr/bin/env node
const { readFileSync } = require('node:fs');
const info = JSON.parse(readFileSync('../../sysinfo.json', 'utf8'));
const parts = ['collected_at', 'raw', 'cpu', 'mem', 'osInfo', 'system', 'bios', 'extra'];
const missing = parts.filter((p) => !(p in info));
if (missing.length > 0 || !info.extra.adapters) { console.log('incomplete: ' + missing.join(',')); process.exit(1); }
console.log('sysinfo complete');
`;

describe('run: sysinfo before the first step', () => {
  // With --yes the run command starts the snapshot at once, alongside loading and planning.
  it('sysinfo.json is complete before the first diagnostic starts', async () => {
    const args = ['run', '--flow', 'check', '--margin', 'one', '--unit', 'SN1', '--yes'];
    ws = createWorkspace({
      scripts: { 'check-sysinfo': checkSysinfo },
      adapters: { 'check-sysinfo': { executable: 'check-sysinfo', timeout_s: 30 } },
      flows: { check: { steps: [{ id: 'c', adapter: 'check-sysinfo' }] } },
    });
    const r = await ws.cli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    const summary = readJson(path.join(dir, 'summary.json'));
    expect(summary.counts.passed).toBe(1);
    const sub = summary.subruns[0].id as string;
    const subSummary = readJson(path.join(dir, 'subruns', sub, 'summary.json'));
    const log = readFileSync(path.join(dir, 'subruns', sub, 'stdout', subSummary.steps[0].log_name), 'utf8');
    expect(log).toBe('sysinfo complete\n');
    const info = readJson(path.join(dir, 'sysinfo.json'));
    expect(Object.keys(info.extra.adapters)).toContain('check-sysinfo');
    expect(info.systeminformation).toMatch(/^5\./);
  });
});
