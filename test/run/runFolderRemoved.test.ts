// A run whose folder disappears under it (removed by hand, or by the diagnostic itself) ends
// with the rails at nominal, an aborted summary in a folder made again for it, one clear line
// and exit 4, not a stack trace; the host lock is released.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// cwd is the sub-run folder; its parent is the run folder.
const removeRun = '#!/bin/sh\nrm -rf "$(dirname "$PWD")"\n';

describe('run: the run folder removed mid-run', () => {
  it('stops the run: rails at nominal, the reason in a summary made again, exit 4, one line', async () => {
    ws = createWorkspace({
      scripts: { 'remove-run': removeRun },
      adapters: { 'remove-run': { executable: 'remove-run', timeout_s: 30 } },
      flows: { gone: { steps: [{ id: 'rm', adapter: 'remove-run' }, { id: 'after', adapter: 'remove-run' }, { id: 'never', adapter: 'pass' }] } },
    });
    const r = await ws.cli(['run', '--flow', 'gone', '--margin', 'one', '--unit', 'SN1', '--yes']);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/run rr-\S+: aborted \(.*the run folder was removed/);
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
    expect(s.reason).toContain('the run folder was removed');
    const sub = readJson(path.join(dir, 'subruns', s.subruns[0].id, 'summary.json'));
    expect(sub.status).toBe('aborted');
    expect(sub.steps.map((x: any) => x.status)).toEqual(['passed', 'error', 'skipped']);
    expect(sub.steps[1].error).toContain('not counted as a margin failure');
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(path.join(ws.root, 'runs', '.lock'))).toBe(false);
  });
});
