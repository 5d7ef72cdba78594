// The shipped stress-ng adapter, run for real through road_runner: a 1 s CPU stressor passes
// and its bogo-ops metric is captured (stress-ng reports on stderr). Skipped when stress-ng is
// not installed, unless REQUIRE_SYSTEM_TOOLS=1 (set by CI, which installs it): then it fails.
import { accessSync, constants, copyFileSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, REPO, subrunFolders, type TestWorkspace } from './workspace.js';

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      /* not here */
    }
  }
  return null;
}

const stressNg = findOnPath('stress-ng');
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
if (!stressNg && !required) {
  console.warn('skipping the stress-ng integration test: stress-ng is not on PATH (apt-get install stress-ng; CI sets REQUIRE_SYSTEM_TOOLS=1 to make this a failure)');
}

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

describe.skipIf(!stressNg && !required)('run: stress-ng through the shipped adapter', () => {
  it('a 1 s CPU stressor passes and its bogo_ops metric is captured', async () => {
    expect(stressNg, 'REQUIRE_SYSTEM_TOOLS=1 but stress-ng is not on PATH').not.toBeNull();
    ws = createWorkspace({ flows: { stress: { steps: [{ id: 'cpu', adapter: 'stress-ng', params: { cpu: 1, timeout: '1s' } }] } } });
    copyFileSync(path.join(REPO, 'adapters/stress-ng.yaml'), path.join(ws.root, 'adapters/stress-ng.yaml'));
    const r = await ws.run('stress', 'one');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    const [subDir] = subrunFolders(dir);
    const sub = readJson(path.join(subDir!, 'summary.json'));
    expect(sub.steps[0]).toMatchObject({ step_id: 'cpu', status: 'passed', exit_code: 0 });
    const start = readEvents(dir).find((e) => e.event === 'step_start');
    expect(start!.argv).toEqual(['stress-ng', '--metrics-brief', '--cpu', '1', '--timeout', '1s']);
    const metrics = sub.steps[0].metrics;
    expect(Number.isInteger(metrics.bogo_ops)).toBe(true);
    expect(metrics.bogo_ops).toBeGreaterThan(0);
    // The captured figure is the one stress-ng printed.
    const log = readFileSync(path.join(subDir!, 'stderr', sub.steps[0].log_name), 'utf8');
    expect(log).toMatch(new RegExp(`metrc: \\[\\d+\\] cpu\\s+${metrics.bogo_ops}\\s`));
    const sysinfo = readJson(path.join(dir, 'sysinfo.json'));
    expect(JSON.stringify(sysinfo)).toContain('stress-ng');
  });
});
