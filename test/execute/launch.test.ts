import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isOutputPassing,
  isProcessGroupAlive,
  killProcessGroup,
  launch,
  type LaunchResult,
  type LaunchSpec,
} from '../../src/execute/launch.js';

const BIN = fileURLToPath(new URL('../fixtures/bin/', import.meta.url));
const MIB = 1024 * 1024;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rr-launch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function specFor(fixture: string, more: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    file: fixture.includes('/') ? fixture : join(BIN, fixture),
    args: [],
    cwd: dir,
    env: {},
    stdoutPath: join(dir, 'stdout.txt'),
    stderrPath: join(dir, 'stderr.txt'),
    timeoutMs: 30_000,
    graceMs: 1_000,
    ...more,
  };
}

const readStdout = (): Promise<string> => readFile(join(dir, 'stdout.txt'), 'utf8');
const readStderr = (): Promise<string> => readFile(join(dir, 'stderr.txt'), 'utf8');

/** True while the process exists and is not a zombie waiting for init to reap it. */
function isPidAlive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function readPid(file: string): Promise<number> {
  const pid = Number((await readFile(file, 'utf8')).trim());
  expect(Number.isInteger(pid) && pid > 1).toBe(true);
  return pid;
}

const METRICS = [
  { name: 'gflops', regex: 'gflops=([0-9.]+)', type: 'number' as const },
  { name: 'iterations', regex: 'iterations=(\\d+)', type: 'integer' as const },
  { name: 'pattern', regex: 'pattern=(\\w+)', type: 'string' as const },
];

describe('launch: outcomes', () => {
  it('passes: exit 0, output in the file, metrics typed, timestamps set', async () => {
    let startedPgid = 0;
    const result = await launch(specFor('pass', { scan: { failRegex: 'MISCOMPARE', metrics: METRICS }, onStart: (pgid) => (startedPgid = pgid) }));
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, interrupted: false, spawnError: null, failMatched: false });
    expect(result.metrics).toEqual({ gflops: 12.5, iterations: 1000, pattern: 'walk' });
    expect(await readStdout()).toContain('gflops=12.5\n');
    expect(await readStderr()).toBe('bogo-ops=4242\n');
    expect(startedPgid).toBeGreaterThan(1);
    expect(Date.parse(result.endedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a failing exit code and keeps stderr', async () => {
    const result = await launch(specFor('fail'));
    expect(result.exitCode).toBe(3);
    expect(result.failMatched).toBe(false);
    expect(await readStderr()).toContain('checksum mismatch');
  });

  it('fails by regex even with exit 0', async () => {
    const scan = { failRegex: 'MISCOMPARE' };
    const failed = await launch(specFor('regex-fail', { scan }));
    expect(failed).toMatchObject({ exitCode: 0, failMatched: true });
    expect(isOutputPassing(failed, scan)).toBe(false);
    const passed = await launch(specFor('pass', { scan }));
    expect(passed.failMatched).toBe(false);
    expect(isOutputPassing(passed, scan)).toBe(true);
  });

  it('requires a pass line when passRegex is set', async () => {
    const scan = { passRegex: '^Status: PASS$' };
    const withLine = await launch(specFor('pass', { scan }));
    expect(withLine.passMatched).toBe(true);
    expect(isOutputPassing(withLine, scan)).toBe(true);
    const withoutLine = await launch(specFor('regex-fail', { scan }));
    expect(withoutLine.passMatched).toBe(false);
    expect(isOutputPassing(withoutLine, scan)).toBe(false);
  });

  it('keeps the last matching line of a metric and skips values of the wrong type', async () => {
    const result = await launch(
      specFor('print-args', {
        args: ['v=1', 'v=2', 'v=2.5x', 'w=abc', 'w=def'],
        scan: {
          metrics: [
            { name: 'v_int', regex: 'v=([0-9.x]+)', type: 'integer' },
            { name: 'v_num', regex: 'v=([0-9.x]+)', type: 'number' },
            { name: 'w', regex: 'w=(\\w+)', type: 'string' },
          ],
        },
      }),
    );
    expect(result.metrics).toEqual({ v_int: 2, v_num: 2, w: 'def' });
  });

  it('applies rules to stderr or to both streams when asked', async () => {
    const bogo = { name: 'bogo', regex: 'bogo-ops=(\\d+)', type: 'integer' as const };
    const gflops = { name: 'gflops', regex: 'gflops=([0-9.]+)', type: 'number' as const };
    const onStdout = await launch(specFor('pass', { scan: { metrics: [bogo, gflops] } }));
    expect(onStdout.metrics).toEqual({ gflops: 12.5 });
    const onStderr = await launch(specFor('pass', { scan: { metrics: [bogo, gflops], stream: 'stderr' } }));
    expect(onStderr.metrics).toEqual({ bogo: 4242 });
    expect(await readStdout()).toContain('Status: PASS');
    const onBoth = await launch(specFor('pass', { scan: { metrics: [bogo, gflops], stream: 'both' } }));
    expect(onBoth.metrics).toEqual({ bogo: 4242, gflops: 12.5 });
    expect(await readStderr()).toBe('bogo-ops=4242\n');
  });

  it('cleans memtester-style spinners before matching when asked', async () => {
    const scan = {
      passRegex: '^  Stuck Address       : ok$',
      metrics: [
        { name: 'x', regex: 'metric_x=(\\d+)', type: 'integer' as const },
        { name: 'progress', regex: 'progress (\\d+)%', type: 'integer' as const },
      ],
    };
    const raw = await launch(specFor('spinner', { scan }));
    expect(raw).toMatchObject({ passMatched: false, metrics: { x: 9, progress: 10 } });
    const cleaned = await launch(specFor('spinner', { scan: { ...scan, stripBackspaces: true } }));
    expect(cleaned).toMatchObject({ passMatched: true, metrics: { x: 5, progress: 100 } });
    expect(await readStdout()).toContain('\b\b\bok');
  });

  it('writes both streams into one file when the paths are the same', async () => {
    const both = join(dir, 'both.txt');
    await launch(specFor('pass', { stdoutPath: both, stderrPath: both, scan: { failRegex: 'X' } }));
    const text = await readFile(both, 'utf8');
    expect(text).toContain('Status: PASS\n');
    expect(text).toContain('bogo-ops=4242\n');
  });
});

describe('launch: arguments and environment', () => {
  it('passes shell metacharacters literally, one argv element each', async () => {
    const args = ['; rm -rf /', '$(x)', '| & > "\'', '`id`', '*', '', 'a b\tc', '--flag=1'];
    const result = await launch(specFor('print-args', { args }));
    expect(result.exitCode).toBe(0);
    const lines = (await readStdout()).split('\n').filter((line) => line !== '');
    expect(lines.map((line) => JSON.parse(line) as string)).toEqual(args);
  });

  it('adds env on top of the parent environment', async () => {
    const env = { RR_RUN_ID: 'rr-1', RR_STEP_ID: 'smoke', RR_MARGIN_VCORE_MV: '950' };
    const result = await launch(specFor('print-env', { env }));
    expect(result.exitCode).toBe(0);
    expect(await readStdout()).toBe('RR_MARGIN_VCORE_MV=950\nRR_RUN_ID=rr-1\nRR_STEP_ID=smoke\n');
  });

  it.each([
    ['fd stdio', undefined],
    ['scan stdio', { metrics: [{ name: 'n', regex: 'RR_RUN_ID=(.*)', type: 'string' as const }] }],
  ])('takes a given inherited environment instead of process.env (%s)', async (_label, scan) => {
    const inheritedEnv = { PATH: process.env.PATH, RR_UNIT: 'from-copy' };
    const result = await launch(specFor('print-env', { env: { RR_RUN_ID: 'rr-2' }, inheritedEnv, scan }));
    expect(result.exitCode).toBe(0);
    expect(await readStdout()).toBe('RR_RUN_ID=rr-2\nRR_UNIT=from-copy\n');
  });

  it('runs in cwd', async () => {
    const result = await launch(specFor('/bin/sh', { args: ['-c', 'pwd'] }));
    expect(result.exitCode).toBe(0);
    expect((await readStdout()).trim()).toBe(dir);
  });
});

describe('launch: cannot start', () => {
  it.each([
    ['fd stdio', undefined],
    ['scan stdio', { failRegex: 'x', metrics: [] }],
  ])('reports output files that cannot be created, without starting anything (%s)', async (_label, scan) => {
    const marker = join(dir, 'ran');
    const result = await launch(specFor('/bin/sh', { args: ['-c', `touch ${marker}`], stdoutPath: join(dir, 'gone', 'out.log'), scan }));
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/^cannot create its output files: ENOENT.*gone\/out\.log/);
    await expect(stat(marker)).rejects.toThrow();
  });

  it('reports a missing executable without throwing', async () => {
    const result = await launch(specFor(join(dir, 'diags', 'x')));
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/^executable not found: .*diags\/x \(ENOENT\)$/);
  });

  it('reports a bare name missing from PATH', async () => {
    const result = await launch({ ...specFor('pass'), file: 'rr-no-such-diagnostic-zz' });
    expect(result.spawnError).toBe('executable not found: rr-no-such-diagnostic-zz (ENOENT)');
  });

  it('reports a file that is not executable', async () => {
    const file = join(dir, 'not-exec');
    await writeFile(file, '#!/bin/sh\necho hi\n');
    await chmod(file, 0o644);
    const result = await launch(specFor(file));
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/permission denied.*\(EACCES\)$/);
  });

  it('names a missing #! interpreter and a missing working directory', async () => {
    const file = join(dir, 'bad-shebang');
    await writeFile(file, '#!/nonexistent/interpreter\n');
    await chmod(file, 0o755);
    expect((await launch(specFor(file))).spawnError).toMatch(/^interpreter not found/);
    const noCwd = await launch(specFor('pass', { cwd: join(dir, 'gone') }));
    expect(noCwd.spawnError).toMatch(/^working directory not found/);
  });

  it('reports an argument the kernel cannot take instead of throwing', async () => {
    const result = await launch(specFor('print-args', { args: ['a\0b'] }));
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/^cannot start .*null bytes/);
  });

  it('kills the group and rethrows when onStart fails', async () => {
    let pgid = 0;
    const failing = launch(
      specFor('hang', {
        onStart: (id) => {
          pgid = id;
          throw new Error('journal not writable');
        },
      }),
    );
    await expect(failing).rejects.toThrow('journal not writable');
    expect(pgid).toBeGreaterThan(1);
    // Killed at once; its exit is reaped by the event loop soon after (a zombie still counts as a member).
    for (let i = 0; i < 250 && isProcessGroupAlive(pgid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let started = false;
    const result = await launch(specFor('pass', { signal: controller.signal, onStart: () => (started = true) }));
    expect(result).toMatchObject({ interrupted: true, exitCode: null });
    expect(started).toBe(false);
  });
});

describe('launch: timeouts, aborts and leftovers', () => {
  it('times out a hanging diagnostic with SIGTERM', async () => {
    const result = await launch(specFor('hang', { timeoutMs: 300, graceMs: 2_000 }));
    expect(result).toMatchObject({ timedOut: true, interrupted: false, exitCode: null, signal: 'SIGTERM' });
  });

  for (const mode of ['fd', 'scan'] as const) {
    it(`kills a TERM-ignoring leader and grandchild (${mode} stdio)`, async () => {
      const pidFile = join(dir, 'grandchild.pid');
      let pgid = 0;
      const scan = mode === 'scan' ? { failRegex: 'MISCOMPARE' } : undefined;
      const spec = specFor('ignore-term-grandchild', { args: [pidFile], timeoutMs: 1_000, graceMs: 1_000, scan, onStart: (id) => (pgid = id) });
      const started = performance.now();
      const result: LaunchResult = await launch(spec);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(1_000 + 1_000 + 8_000); // timeout + grace, not the fixture's own end
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', exitCode: null });
      expect(isProcessGroupAlive(pgid)).toBe(false);
      expect(isPidAlive(await readPid(pidFile))).toBe(false);
      expect(await readStdout()).toContain('ignoring TERM');
    });

    it(`ends a grandchild left behind by a leader that exited 0 (${mode} stdio)`, async () => {
      const pidFile = join(dir, 'grandchild.pid');
      let pgid = 0;
      const scan = mode === 'scan' ? { passRegex: 'leader done' } : undefined;
      const result = await launch(specFor('grandchild-exit', { args: [pidFile], scan, onStart: (id) => (pgid = id) }));
      expect(result).toMatchObject({ exitCode: 0, timedOut: false, interrupted: false });
      if (mode === 'scan') expect(result.passMatched).toBe(true);
      expect(result.durationMs).toBeLessThan(30_000); // not the grandchild's 1000 s
      expect(isProcessGroupAlive(pgid)).toBe(false);
      expect(isPidAlive(await readPid(pidFile))).toBe(false);
    });
  }

  it('interrupts on abort with the same TERM→KILL sequence', async () => {
    const controller = new AbortController();
    let pgid = 0;
    const pending = launch(
      specFor('hang', { signal: controller.signal, scan: { failRegex: 'x' }, onStart: (id) => (pgid = id) }),
    );
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    expect(result).toMatchObject({ interrupted: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    expect(await readStdout()).toBe('hanging\n');
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });
});

describe('launch: large output', () => {
  for (const mode of ['fd', 'scan'] as const) {
    it(`captures a 256 MiB flood byte-exact (${mode} stdio)`, async () => {
      const scan = mode === 'scan' ? { failRegex: 'MISCOMPARE', metrics: METRICS } : undefined;
      const result = await launch(specFor('flood', { args: ['256'], scan }));
      expect(result).toMatchObject({ exitCode: 0, failMatched: false, outputError: null });
      expect((await stat(join(dir, 'stdout.txt'))).size).toBe(256 * MIB);
    });
  }

  it('scans the line that follows a 64 MiB flood', async () => {
    const last = 'MISCOMPARE gflops=3.25';
    const result = await launch(specFor('flood', { args: ['64', last], scan: { failRegex: 'MISCOMPARE', metrics: METRICS } }));
    expect(result).toMatchObject({ exitCode: 0, failMatched: true, metrics: { gflops: 3.25 } });
    expect((await stat(join(dir, 'stdout.txt'))).size).toBe(64 * MIB + last.length + 1);
  });

  it('survives a 16 MiB line without newline and scans the line after it', async () => {
    const result = await launch(
      specFor('long-line', { args: ['16384', 'gflops=1.5'], scan: { failRegex: 'MISCOMPARE', metrics: METRICS } }),
    );
    expect(result).toMatchObject({ exitCode: 0, failMatched: false, metrics: { gflops: 1.5 } });
    expect((await stat(join(dir, 'stdout.txt'))).size).toBe(16 * MIB + 1 + 'gflops=1.5\n'.length);
  });
});

describe('process groups', () => {
  it('tells a gone group from a live one and refuses ids that would hit other groups', async () => {
    expect(killProcessGroup(2 ** 22 + 12345, 'SIGTERM')).toBe(false);
    expect(isProcessGroupAlive(2 ** 22 + 12345)).toBe(false);
    expect(() => killProcessGroup(0, 'SIGTERM')).toThrow(RangeError);
    expect(() => isProcessGroupAlive(1)).toThrow(RangeError);
  });
});
