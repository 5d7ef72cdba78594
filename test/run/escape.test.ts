// End to end, through the built CLI: a diagnostic that double-forks a daemon leaves nothing
// after `run`; a run killed with kill -9 while such a daemon runs, then `recover`, ends the
// daemon; and recovery leaves alone what it cannot prove is the crashed run's (a recorded
// process group that belongs to someone else, a journal from another boot, an older journal).
// Both ways of holding a step's processes run: the cgroup (needs root and a cgroup v2 mount;
// skipped elsewhere, a failure under REQUIRE_SYSTEM_TOOLS=1) and the marker (ROAD_RUNNER_NO_CGROUP=1).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRunProcesses } from '../../src/execute/stepProcesses.js';
import { createWorkspace, isPidAlive, readJson, subrunFolders, waitFor, waitForStepStart, type TestWorkspace } from './workspace.js';

const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const probe = openRunProcesses(`rr-probe-${process.pid}`);
probe.close();
const hasCgroup = probe.mode === 'cgroup';
if (!hasCgroup && !required) console.warn('skipping the cgroup cases of escape.test.ts: no writable cgroup v2 for this process (needs root); REQUIRE_SYSTEM_TOOLS=1 makes this a failure');

let ws: TestWorkspace | undefined;
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  ws?.dispose();
  ws = undefined;
});

const ADAPTERS = {
  daemonize: {
    executable: 'daemonize', timeout_s: 60,
    params: { pidfile: { type: 'string', required: true }, end: { type: 'string', required: true } },
  },
};
const FLOWS = {
  daemon: { steps: [{ id: 'd', adapter: 'daemonize', params: { pidfile: 'daemon.pid', end: '0' } }, { id: 'p', adapter: 'pass' }] },
  stuck: { steps: [{ id: 'd', adapter: 'daemonize', params: { pidfile: 'daemon.pid', end: 'hang' } }] },
};

function readDaemonPid(runDir: string): number {
  const [sub] = subrunFolders(runDir);
  const pid = Number(readFileSync(path.join(sub!, 'daemon.pid'), 'utf8').trim());
  expect(pid).toBeGreaterThan(1);
  strays.push(pid);
  return pid;
}

/** road_runner's cgroups (run groups) below the test's own cgroup mount, by run id. */
function runCgroupExists(runId: string): boolean {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return text.split('\n').filter((l) => l.includes(' - cgroup2 ')).some((l) => existsSync(path.join(l.split(' ')[4]!, `road_runner-${runId}`)));
}

const MODES = [
  { mode: 'cgroup', env: {} as Record<string, string>, skip: !hasCgroup && !required },
  { mode: 'marker', env: { ROAD_RUNNER_NO_CGROUP: '1' }, skip: false },
];

for (const m of MODES) {
  describe.skipIf(m.skip)(`run: processes that leave the group (${m.mode})`, () => {
    it('a double-forked daemon that ignores SIGTERM is gone when the step ends', async () => {
      expect(m.mode !== 'cgroup' || hasCgroup, 'REQUIRE_SYSTEM_TOOLS=1 but no writable cgroup v2').toBe(true);
      ws = createWorkspace({ adapters: ADAPTERS, flows: FLOWS });
      const r = await ws.run('daemon', 'one', ['--grace', '1'], { env: m.env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const dir = ws.onlyRun();
      const daemon = readDaemonPid(dir);
      expect(isPidAlive(daemon)).toBe(false);
      expect(runCgroupExists(path.basename(dir))).toBe(false);
      const journal = path.join(ws.runs, '.journal.json');
      expect(existsSync(journal)).toBe(false);
    });

    it('kill -9 of road_runner while the daemon runs, then `recover`: the daemon is ended', async () => {
      ws = createWorkspace({ adapters: ADAPTERS, flows: FLOWS });
      const p = ws.startRun('stuck', 'one', ['--grace', '1'], { env: m.env });
      await waitForStepStart(ws, 'd');
      const dir = ws.onlyRun();
      const [sub] = subrunFolders(dir);
      await waitFor('the daemon pid file', () => existsSync(path.join(sub!, 'daemon.pid')) && readFileSync(path.join(sub!, 'daemon.pid'), 'utf8').trim() !== '');
      const daemon = readDaemonPid(dir);
      const journal = readJson(path.join(ws.runs, '.journal.json'));
      expect(journal.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
      expect(journal.cgroup === null).toBe(m.mode === 'marker');
      p.child.kill('SIGKILL');
      expect((await p.done).signal).toBe('SIGKILL');
      expect(isPidAlive(daemon)).toBe(true);

      const r = await ws.cli(['recover'], { env: m.env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`process ${daemon} \\(sleep, group \\d+\\): killed`));
      expect(isPidAlive(daemon)).toBe(false);
      if (m.mode === 'cgroup') {
        expect(r.stdout).toContain(`road_runner-${path.basename(dir)}: removed`);
        expect(runCgroupExists(path.basename(dir))).toBe(false);
      }
      expect(readJson(path.join(dir, 'summary.json')).status).toBe('crashed');
      expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
    });
  });
}

describe('recover: only what it can prove is the crashed run\'s', () => {
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const ownStart = readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ')[19]!;

  /** A pid that no process has any more: the crashed road_runner of a hand-written journal. */
  function deadPid(): number {
    const r = spawnSync('sh', ['-c', 'echo $$']);
    return Number(String(r.stdout).trim());
  }

  function writeJournal(w: TestWorkspace, more: Record<string, unknown>): string {
    const runId = 'rr-20260101T000000Z-abcdef';
    const journal = {
      version: 1, run_id: runId, pid: deadPid(), pid_start_time: ownStart, subrun_id: null, pgids: [], rails: {},
      updated_at: new Date().toISOString(), boot_id: bootId, cgroup: null, ...more,
    };
    writeFileSync(path.join(w.runs, '.journal.json'), JSON.stringify(journal));
    return runId;
  }

  /** A sleep in its own process group, started by the test; with `runId`, it carries that run's marker. */
  function startSleeper(runId: string | null): number {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (runId !== null) env.RR_RUN_ID = runId;
    const child = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true, env });
    child.unref();
    strays.push(child.pid!);
    return child.pid!;
  }

  it('a journal naming the group of an unrelated process: that process is left alone', async () => {
    ws = createWorkspace();
    const sleeper = startSleeper(null);
    writeJournal(ws, { pgids: [sleeper] });
    writeFileSync(path.join(ws.runs, '.journal.pgids'), JSON.stringify([sleeper]).padEnd(512));
    const r = await ws.cli(['recover']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`process group ${sleeper}: left alone`);
    expect(isPidAlive(sleeper)).toBe(true);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a journal from another boot: even a process carrying the run id is left alone', async () => {
    ws = createWorkspace();
    const runId = 'rr-20260101T000000Z-abcdef';
    const marked = startSleeper(runId);
    writeJournal(ws, { pgids: [marked], boot_id: '00000000-0000-4000-8000-000000000000' });
    const r = await ws.cli(['recover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no process ended: the journal is from an earlier boot');
    expect(r.stdout).toContain(`process group ${marked}: left alone`);
    expect(isPidAlive(marked)).toBe(true);
  });

  it('a journal of an older road_runner (no boot id): nothing is ended', async () => {
    ws = createWorkspace();
    const runId = 'rr-20260101T000000Z-abcdef';
    const marked = startSleeper(runId);
    writeJournal(ws, { boot_id: undefined, cgroup: undefined });
    const r = await ws.cli(['recover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no process ended: the journal was written by an older road_runner');
    expect(isPidAlive(marked)).toBe(true);
  });

  it('on the same boot, a process carrying the run id but started before the crashed road_runner is left alone; one started after is ended', async () => {
    ws = createWorkspace();
    const runId = 'rr-20260101T000000Z-abcdef';
    const before = startSleeper(runId);
    // The crashed road_runner "started" after the first sleeper and before the second.
    await waitFor('a clock tick', () => readStart(before) !== null);
    await new Promise((r) => setTimeout(r, 50));
    const crashedStart = String(BigInt(readStart(before)!) + 1n);
    await new Promise((r) => setTimeout(r, 50));
    const after = startSleeper(runId);
    expect(BigInt(readStart(after)!) >= BigInt(crashedStart)).toBe(true);
    writeJournal(ws, { pid_start_time: crashedStart });
    const r = await ws.cli(['recover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`process ${after} \\(sleep, group ${after}\\): terminated`));
    expect(isPidAlive(after)).toBe(false);
    expect(isPidAlive(before)).toBe(true);
  });
});

function readStart(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ')[19]!;
  } catch {
    return null;
  }
}
