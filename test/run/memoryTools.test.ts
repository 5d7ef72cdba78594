// The shipped stressapptest and memtester adapters, run for real through road_runner
// (stressapptest 1.0.6 and memtester 4.6.0 here and in CI): a short run passes with its work
// metrics captured, and a usage error is `error`, not a hardware `failed`. stressapptest works
// in 5 s slices, so `-s 1` takes about 5 s. Skipped when a tool is not installed, unless
// REQUIRE_SYSTEM_TOOLS=1 (CI): then they fail.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOnPath, skipWithout } from './systemTools.js';
import { createWorkspace, readEvents, readJson, REPO, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

function toolWorkspace(adapter: string, params: Record<string, unknown>): TestWorkspace {
  const created = createWorkspace({ flows: { mem: { steps: [{ id: 'mem', adapter, params }] } } });
  copyFileSync(path.join(REPO, `adapters/${adapter}.yaml`), path.join(created.root, `adapters/${adapter}.yaml`));
  return created;
}

function onlyStep(run: string): Record<string, any> {
  const [subDir] = subrunFolders(run);
  return readJson(path.join(subDir!, 'summary.json')).steps[0];
}

describe.skipIf(skipWithout('stressapptest'))('run: stressapptest through the shipped adapter', () => {
  it('-s 1 -M 16 passes, with the data it copied and no hardware incidents', async () => {
    expect(findOnPath('stressapptest'), 'REQUIRE_SYSTEM_TOOLS=1 but stressapptest is not on PATH').not.toBeNull();
    ws = toolWorkspace('stressapptest', { seconds: 1, memory_mb: 16 });
    const r = await ws.run('mem', 'one');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    expect(readEvents(dir).find((e) => e.event === 'step_start')!.argv).toEqual(['stressapptest', '-s', '1', '-M', '16']);
    const step = onlyStep(dir);
    expect(step).toMatchObject({ status: 'passed', exit_code: 0, error: null });
    expect(step.metrics.hardware_incidents).toBe(0);
    expect(step.metrics.procedural_errors).toBe(0);
    expect(step.metrics.copied_mb).toBeGreaterThan(0);
    expect(step.metrics.bandwidth_mbps).toBeGreaterThan(0);
  });
});

describe.skipIf(skipWithout('memtester'))('run: memtester through the shipped adapter', () => {
  it('memtester 1M 1 passes, with the memory it locked and the loops it ran', async () => {
    expect(findOnPath('memtester'), 'REQUIRE_SYSTEM_TOOLS=1 but memtester is not on PATH').not.toBeNull();
    ws = toolWorkspace('memtester', { size: '1M', loops: 1 });
    const r = await ws.run('mem', 'one');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    expect(readEvents(dir).find((e) => e.event === 'step_start')!.argv).toEqual(['memtester', '1M', '1']);
    const step = onlyStep(dir);
    expect(step).toMatchObject({ status: 'passed', exit_code: 0, error: null });
    expect(step.metrics).toMatchObject({ locked_mb: 1, loops_done: 1 });
  });

  it('a size memtester refuses is error (exit 1), not a memory failure', async () => {
    // Size 0 is below a page: memtester says "memory argument too large?" and exits 1 untested.
    ws = toolWorkspace('memtester', { size: '0', loops: 1 });
    const r = await ws.run('mem', 'one');
    expect(r.code).toBe(1);
    const step = onlyStep(ws.onlyRun());
    expect(step.status).toBe('error');
    expect(step.exit_code).toBe(1);
    expect(step.error).toBe('exit code 1 (could not allocate or lock memory, or a bad invocation)');
  });
});
