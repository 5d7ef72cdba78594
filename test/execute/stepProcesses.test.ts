// Processes that leave a step's process group (setsid, a double-forked daemon that ignores
// SIGTERM) are ended with the step, whether it passes, fails or times out: by the step's cgroup
// where this host has a writable cgroup v2, and by the RR_STEP_MARK marker where it does not
// (forced with ROAD_RUNNER_NO_CGROUP=1). The cgroup cases need root and a cgroup v2 mount: they
// skip elsewhere, and fail under REQUIRE_SYSTEM_TOOLS=1 (CI, which runs as root).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findOwnCgroup } from '../../src/execute/cgroupV2.js';
import { launch, type LaunchSpec } from '../../src/execute/launch.js';
import { NO_CGROUP_ENV, openRunProcesses, STEP_MARK, type RunProcesses } from '../../src/execute/stepProcesses.js';

const BIN = fileURLToPath(new URL('../fixtures/bin/', import.meta.url));
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';

// Whether this host lets road_runner hold steps in cgroups (probed the way a run does).
function probeCgroup(): string | null {
  const probe = openRunProcesses(`rr-probe-${process.pid}`);
  probe.close();
  return probe.mode === 'cgroup' ? null : `no writable cgroup v2 for this process (own cgroup: ${findOwnCgroup() ?? 'none'}; needs root or a delegated cgroup)`;
}
const noCgroup = probeCgroup();
if (noCgroup !== null && !required) console.warn(`skipping the cgroup cases of stepProcesses.test.ts: ${noCgroup}; REQUIRE_SYSTEM_TOOLS=1 makes this a failure`);

let dir: string;
let run: RunProcesses | undefined;
let lastRunId = '';
const strays: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rr-scope-'));
});
afterEach(() => {
  run?.close();
  run = undefined;
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function isPidAlive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = text.charAt(text.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim());
  expect(pid).toBeGreaterThan(1);
  strays.push(pid);
  return pid;
}

function spec(file: string, args: string[], more: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    file: file.includes('/') ? file : join(BIN, file), args, cwd: dir, env: {},
    stdoutPath: join(dir, 'out.log'), stderrPath: join(dir, 'err.log'), timeoutMs: 30_000, graceMs: 300, ...more,
  };
}

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 1500 && !(existsSync(file) && readFileSync(file, 'utf8').trim() !== ''); i++) await new Promise((r) => setTimeout(r, 20));
}

// The daemon writes its pid just before it execs sleep; in the middle of execve its environment
// reads as empty for a moment (longer on a loaded host), so it is read until it shows one.
async function readEnvironment(pid: number): Promise<string> {
  let text = '';
  for (let i = 0; i < 500 && text === ''; i++) {
    text = readFileSync(`/proc/${pid}/environ`, 'latin1');
    if (text === '') await new Promise((r) => setTimeout(r, 10));
  }
  return text;
}

const MODES = [
  { mode: 'cgroup' as const, env: {}, skip: noCgroup !== null && !required },
  { mode: 'marker' as const, env: { [NO_CGROUP_ENV]: '1' }, skip: false },
];

for (const m of MODES) {
  describe.skipIf(m.skip)(`step processes (${m.mode})`, () => {
    const open = (): RunProcesses => {
      if (m.mode === 'cgroup') expect(noCgroup, `REQUIRE_SYSTEM_TOOLS=1 but ${noCgroup}`).toBeNull();
      lastRunId = `rr-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
      run = openRunProcesses(lastRunId, m.env);
      expect(run.mode).toBe(m.mode);
      return run;
    };

    // fixture × how the step ends: exit 0, exit 1, killed at its timeout while still running.
    const CASES = [
      ['setsid-sleeper', '0', 'pass'], ['setsid-sleeper', '1', 'fail'], ['setsid-sleeper', 'hang', 'timeout'],
      ['daemonize', '0', 'pass'], ['daemonize', '1', 'fail'], ['daemonize', 'hang', 'timeout'],
    ] as const;
    for (const [fixture, how, outcome] of CASES) {
      it(`${fixture}: nothing of it is left after the step (${outcome})`, async () => {
        const r = open();
        const pidFile = join(dir, 'escaped.pid');
        const result = await launch(spec(fixture, [pidFile, how], { timeoutMs: outcome === 'timeout' ? 1_000 : 30_000, scope: r.openStep(`s01/${fixture}`) }));
        expect(result.spawnError).toBeNull();
        if (outcome === 'timeout') expect(result.timedOut).toBe(true);
        else expect(result.exitCode).toBe(outcome === 'pass' ? 0 : 1);
        const escaped = readPid(pidFile);
        // It had left the step's process group, and it is gone all the same.
        expect(readFileSync(join(dir, 'out.log'), 'utf8')).toContain(String(escaped));
        expect(isPidAlive(escaped)).toBe(false);
      });
    }

    it('the escaped process is held while the step runs; road_runner leaves the run group when the run ends', async () => {
      const before = readFileSync('/proc/self/cgroup', 'utf8');
      const r = open();
      const pidFile = join(dir, 'daemon.pid');
      const ctl = new AbortController();
      const running = launch(spec('daemonize', [pidFile, 'hang'], { timeoutMs: 60_000, scope: r.openStep('s01/held'), signal: ctl.signal }));
      await waitForFile(pidFile);
      const daemon = readPid(pidFile);
      const where = readFileSync(`/proc/${daemon}/cgroup`, 'utf8');
      const environ = (await readEnvironment(daemon)).split('\0');
      expect(environ).toContain(`${STEP_MARK}=s01/held`);
      if (m.mode === 'cgroup') {
        // Born inside the run's group (road_runner is in it), though it left the group and session.
        expect(where).toMatch(new RegExp(`^0::.*/road_runner-${r.cgroup!.split('road_runner-')[1]}$`, 'm'));
        expect(readFileSync('/proc/self/cgroup', 'utf8')).toContain('/road_runner-');
      } else {
        expect(where).not.toContain('road_runner-');
        expect(readFileSync('/proc/self/cgroup', 'utf8')).toBe(before);
      }
      ctl.abort();
      const result = await running;
      expect(result.interrupted).toBe(true);
      expect(isPidAlive(daemon)).toBe(false);
      r.close();
      run = undefined;
      expect(readFileSync('/proc/self/cgroup', 'utf8')).toBe(before);
      if (m.mode === 'cgroup') expect(existsSync(r.cgroup!)).toBe(false);
    }, 60_000);

    it('what a step left despite everything (a daemon started outside launch) is ended when the run closes', async () => {
      const r = open();
      const runId = lastRunId;
      const child = spawn(join(BIN, 'daemonize'), [join(dir, 'late.pid'), '0'], { stdio: 'ignore', env: { ...process.env, RR_RUN_ID: runId } });
      await new Promise((resolve) => child.on('exit', resolve));
      const daemon = readPid(join(dir, 'late.pid'));
      expect(isPidAlive(daemon)).toBe(true);
      r.close();
      run = undefined;
      expect(isPidAlive(daemon)).toBe(false);
    });

    it('a process of the same user that the step did not start is left alone', async () => {
      // Started before the run, as anything not the run's is (what road_runner starts during a
      // cgroup run is born in the run's group and is the run's).
      const bystander: ChildProcess = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
      strays.push(bystander.pid!);
      const r = open();
      const result = await launch(spec('daemonize', [join(dir, 'd.pid'), '0'], { scope: r.openStep('s01/bystander') }));
      expect(result.exitCode).toBe(0);
      expect(isPidAlive(readPid(join(dir, 'd.pid')))).toBe(false);
      expect(isPidAlive(bystander.pid!)).toBe(true);
    });

    if (m.mode === 'cgroup') {
      it('a daemon that clears its environment (no marker) is still ended: the cgroup holds it', async () => {
        const r = open();
        const script = join(dir, 'clean-daemon');
        writeFileSync(script, '#!/bin/sh\nsetsid env -i sh -c \'echo $$ > "$0"; exec sleep 1000\' "$1" </dev/null >/dev/null 2>&1 &\nwhile [ ! -s "$1" ]; do sleep 0.01; done\n');
        chmodSync(script, 0o755);
        const result = await launch(spec(script, [join(dir, 'c.pid')], { scope: r.openStep('s01/clean') }));
        expect(result.exitCode).toBe(0);
        const daemon = readPid(join(dir, 'c.pid'));
        expect(isPidAlive(daemon)).toBe(false);
      });
    }
  });
}
