// The shipped stress-ng adapter, run for real through road_runner (stress-ng 0.15.06 here and
// in CI): two stressors pass with one bogo-ops metric per stressor, --verify is on by default
// and a flow can turn it off, and a bad option is `error` (exit 1 with its meaning), not a
// hardware `failed`. Skipped when stress-ng is not installed, unless REQUIRE_SYSTEM_TOOLS=1.
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOnPath, skipWithout } from './systemTools.js';
import { createWorkspace, readEvents, readJson, REPO, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

function stressWorkspace(params: Record<string, unknown>): TestWorkspace {
  const created = createWorkspace({ flows: { stress: { steps: [{ id: 'stress', adapter: 'stress-ng', params }] } } });
  copyFileSync(path.join(REPO, 'adapters/stress-ng.yaml'), path.join(created.root, 'adapters/stress-ng.yaml'));
  return created;
}

function onlyStep(run: string): { step: Record<string, any>; subDir: string } {
  const [subDir] = subrunFolders(run);
  const sub = readJson(path.join(subDir!, 'summary.json'));
  return { step: sub.steps[0], subDir: subDir! };
}

describe.skipIf(skipWithout('stress-ng'))('run: stress-ng through the shipped adapter', () => {
  it('two 1 s stressors (cpu, vm) pass with --verify, and each gets its own bogo_ops metric', async () => {
    expect(findOnPath('stress-ng'), 'REQUIRE_SYSTEM_TOOLS=1 but stress-ng is not on PATH').not.toBeNull();
    ws = stressWorkspace({ cpu: 1, vm: 1, 'vm-bytes': '16m', timeout: '1s' });
    const r = await ws.run('stress', 'one');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    const { step, subDir } = onlyStep(dir);
    expect(step).toMatchObject({ step_id: 'stress', status: 'passed', exit_code: 0, error: null });
    const start = readEvents(dir).find((e) => e.event === 'step_start');
    expect(start!.argv).toEqual(['stress-ng', '--metrics', '--cpu', '1', '--vm', '1', '--vm-bytes', '16m', '--timeout', '1s', '--verify']);
    const { metrics } = step;
    expect(Object.keys(metrics).sort()).toEqual(['bogo_ops.cpu', 'bogo_ops.vm', 'bogo_ops_per_s.cpu', 'bogo_ops_per_s.vm']);
    // Each figure is the one stress-ng printed in its own stressor's row, not the last row's.
    const log = readFileSync(path.join(subDir, 'stderr', step.log_name), 'utf8');
    for (const stressor of ['cpu', 'vm']) {
      expect(metrics[`bogo_ops.${stressor}`]).toBeGreaterThan(0);
      expect(log).toMatch(new RegExp(`metrc: \\[\\d+\\] ${stressor}\\s+${metrics[`bogo_ops.${stressor}`]}\\s`));
    }
    expect(metrics['bogo_ops.cpu']).not.toBe(metrics['bogo_ops.vm']);
  });

  it('verify: false in a flow leaves --verify out of the argv', async () => {
    ws = stressWorkspace({ cpu: 1, timeout: '1s', verify: false });
    const r = await ws.run('stress', 'one');
    expect(r.code).toBe(0);
    const start = readEvents(ws.onlyRun()).find((e) => e.event === 'step_start');
    expect(start!.argv).toEqual(['stress-ng', '--metrics', '--cpu', '1', '--timeout', '1s']);
    expect(start!.params.verify).toBe(false);
  });

  it('a bad option is error with the meaning of exit 1, not a hardware failure', async () => {
    // stress-ng rejects a --cpu-method it does not know with exit 1 before any stressor starts.
    ws = stressWorkspace({ cpu: 1, timeout: '1s', 'cpu-method': 'no_such_method' });
    const r = await ws.run('stress', 'one');
    expect(r.code).toBe(1);
    const { step } = onlyStep(ws.onlyRun());
    expect(step.status).toBe('error');
    expect(step.exit_code).toBe(1);
    expect(step.error).toBe('exit code 1 (stress-ng error: a bad option or a fatal problem in the stress-ng harness)');
    const summary = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(summary.counts).toMatchObject({ error: 1, failed: 0, passed: 0 });
    // The shmoo shows the point as an error, not as a hardware failure.
    const report = readFileSync(path.join(ws.onlyRun(), 'report.md'), 'utf8');
    expect(report).toContain('`E` error (could not judge: step error, aborted, interrupted) (1)');
    expect(report).toContain('`F` fail (failed, timed out or crashed) (0)');
  });
});
