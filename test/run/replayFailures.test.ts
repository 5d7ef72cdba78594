// The shipped adapters meet their tools' real failure output: a stand-in placed first on PATH
// replays what stress-ng, stressapptest or memtester printed (test/fixtures/replay/, byte for
// byte, with the tool's exit code), and road_runner judges it through the unchanged manifest.
// A hardware failure is `failed` with the failing line in the step's error, a stressor with
// zero bogo ops is `failed` as "did no work", and a usage error is `error`.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readJson, REPO, subrunFolders, type TestWorkspace } from './workspace.js';

const REPLAY = path.join(REPO, 'test/fixtures/replay');

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

/** Runs one step of `tool` (its shipped adapter) whose process replays `fixture`; returns the step record. */
async function replay(tool: string, fixture: string, params: Record<string, unknown>): Promise<{ step: Record<string, any>; code: number | null }> {
  ws = createWorkspace({ flows: { f: { steps: [{ id: 'diag', adapter: tool, params }] } } });
  copyFileSync(path.join(REPO, `adapters/${tool}.yaml`), path.join(ws.root, `adapters/${tool}.yaml`));
  const dir = path.join(REPLAY, fixture);
  const code = Number(readFileSync(path.join(dir, 'exit'), 'utf8').trim());
  const bin = path.join(ws.root, 'replay-bin');
  mkdirSync(bin);
  const stand_in = path.join(bin, tool);
  writeFileSync(stand_in, `#!/bin/sh\ncat '${dir}/stdout'\ncat '${dir}/stderr' >&2\nexit ${code}\n`);
  chmodSync(stand_in, 0o755);
  const r = await ws.run('f', 'one', [], { env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
  const [subDir] = subrunFolders(ws.onlyRun());
  const step = readJson(path.join(subDir!, 'summary.json')).steps[0];
  return { step, code: r.code };
}

describe('replayed real output through the shipped adapters', () => {
  it('stress-ng: a verification failure (exit 2) is failed, quoting its "fail:  [" line', async () => {
    const { step, code } = await replay('stress-ng', 'stress-ng-fail', { cpu: 1, vm: 1, 'vm-bytes': '16m', timeout: '1s' });
    expect(code).toBe(1);
    expect(step.status).toBe('failed');
    expect(step.exit_code).toBe(2);
    expect(step.error).toBe('exit code 2 (one or more stressors failed); failure line: stress-ng: fail:  [21469] vm: detected 3 bit errors while stressing memory');
    expect(step.metrics).toMatchObject({ 'bogo_ops.cpu': 1558, 'bogo_ops.vm': 21164 });
  });

  it('stress-ng: a stressor with 0 bogo ops is failed as "did no work", though stress-ng exits 0', async () => {
    const { step, code } = await replay('stress-ng', 'stress-ng-no-work', { cpu: 1, vm: 1, 'vm-bytes': '16m', timeout: '1s' });
    expect(code).toBe(1);
    expect(step.exit_code).toBe(0);
    expect(step.status).toBe('failed');
    expect(step.error).toBe('did no work: bogo_ops.vm = 0 (at least 1 expected)');
    expect(step.metrics).toMatchObject({ 'bogo_ops.cpu': 1571, 'bogo_ops.vm': 0 });
  });

  it('stressapptest: a miscompare (exit 1) is failed, quoting the "Hardware Error:" line', async () => {
    const { step, code } = await replay('stressapptest', 'stressapptest-hw-fail', { seconds: 1, memory_mb: 16 });
    expect(code).toBe(1);
    expect(step.status).toBe('failed');
    expect(step.error).toMatch(/^exit code 1 \(a hardware failure, or a usage or setup problem\); failure line: Hardware Error: miscompare on CPU 1\(0x2\) at /);
    expect(step.metrics).toMatchObject({ hardware_incidents: 1, procedural_errors: 0 });
  });

  it('stressapptest: an unknown argument (exit 1, no failure line) is error, not failed', async () => {
    const { step, code } = await replay('stressapptest', 'stressapptest-usage', { seconds: 1, memory_mb: 16 });
    expect(code).toBe(1);
    expect(step.status).toBe('error');
    expect(step.error).toBe('exit code 1 (a hardware failure, or a usage or setup problem) without a failure line: the test did not run as asked');
  });

  it('memtester: a compare failure (exit 4) is failed, quoting its "FAILURE:" line from stderr', async () => {
    const { step, code } = await replay('memtester', 'memtester-fail', { size: '1M', loops: 1 });
    expect(code).toBe(1);
    expect(step.status).toBe('failed');
    expect(step.exit_code).toBe(4);
    expect(step.error).toBe('exit code 4 (a memory test failed); failure line: FAILURE: 0x5a3c9e1f4b2d7e80 != 0x5a3c9e1f4b2d7e84 at offset 0x0000000000012a48.');
    expect(step.metrics).toMatchObject({ locked_mb: 1, loops_done: 1 });
  });
});
