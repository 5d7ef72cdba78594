// SIGINT / SIGTERM, and every other catchable signal whose default would end the process
// (SIGHUP, SIGQUIT, SIGUSR2, SIGALRM…), sent to the CLI mid-step: the diagnostic stops, rails go
// back to nominal, summaries say `interrupted`, exit 128 + N, no process, journal or lock left.
// A second SIGINT while the rails are being restored does not cut the restore short.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWorkspace, groupMembers, killGroupQuietly, processesUnder, readEvents, readJson, subrunFolders, waitFor, waitForDiagnosticGroup, waitForStepStart, type TestWorkspace,
} from './workspace.js';

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

const FLOW = {
  steps: [
    { id: 'first', adapter: 'pass' },
    { id: 'stuck', adapter: 'hang' },
    { id: 'never', adapter: 'pass' },
  ],
};
const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

/** The run was interrupted and cleaned up after: records, rails, journal, lock. */
function expectInterruptedAndClean(w: TestWorkspace, pgid: number): void {
  const dir = w.onlyRun();
  const s = readJson(path.join(dir, 'summary.json'));
  expect(s.status, `${s.reason}; sub-runs: ${JSON.stringify(s.subruns)}`).toBe('interrupted');
  expect(s.counts).toMatchObject({ passed: 1, interrupted: 1 });
  expect(s.subruns.map((x: any) => x.status)).toEqual(['interrupted', 'planned']);
  const [first, second] = subrunFolders(dir);
  const sub = readJson(path.join(first!, 'summary.json'));
  expect(sub.status).toBe('interrupted');
  expect(sub.steps.map((x: any) => x.status)).toEqual(['passed', 'interrupted', 'skipped']);
  expect(readJson(path.join(second!, 'summary.json')).status).toBe('planned');
  const events = readEvents(dir);
  const end = events.find((e) => e.event === 'step_end' && e.step_id === 'stuck');
  expect(end).toMatchObject({ status: 'interrupted' });
  const restores = events.filter((e) => e.event === 'margin_restore');
  expect(restores.map((e) => [e.rail, e.requested, e.read_back, e.ok]).sort()).toEqual([['freq_mhz', 2400, 2400, true], ['vcore_mv', 1000, 1000, true]]);
  expect(restores.every((e) => e.reason === 'interrupt')).toBe(true);
  expect(w.railState('vcore_mv')).toBe(1000);
  expect(w.railState('freq_mhz')).toBe(2400);
  expect(groupMembers(pgid)).toEqual([]);
  expect(processesUnder(w.runs)).toEqual([]);
  // No journal, no lock, no lock owner record.
  expect(readdirSync(w.runs).filter((n) => n.startsWith('.'))).toEqual([]);
}

describe('run: interrupts', () => {
  const signals = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131], ['SIGUSR2', 140], ['SIGALRM', 142], ['SIGPWR', 158]] as const;
  for (const [signal, code] of signals) {
    it(`${signal} mid-step: exit ${code}, interrupted summaries, rails at nominal, nothing left`, async () => {
      ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
      const p = ws.startRun('f', 'two', ['--grace', '1']);
      const start = await waitForStepStart(ws, 'stuck');
      const pid = await waitForDiagnosticGroup(ws);
      leftovers.push(pid);
      expect(start.margins.vcore_mv).toBe(950);
      expect(ws.railState('vcore_mv')).toBe(950);
      p.child.kill(signal);
      const r = await p.done;
      expect(r.signal).toBeNull();
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`${signal} received`);
      expectInterruptedAndClean(ws, pid);
      expect(readJson(path.join(ws.onlyRun(), 'summary.json')).reason).toContain(signal);
    });
  }

  // The rest of the handled signals (src/cli/signals.ts), each in its own workspace, all at once.
  it('SIGTRAP, SIGABRT, SIGSTKFLT, SIGXCPU, SIGVTALRM, SIGPROF, SIGIO, SIGSYS mid-step: exit 128+N, interrupted, rails at nominal, nothing left', async () => {
    const others = [['SIGTRAP', 133], ['SIGABRT', 134], ['SIGSTKFLT', 144], ['SIGXCPU', 152], ['SIGVTALRM', 154], ['SIGPROF', 155], ['SIGIO', 157], ['SIGSYS', 159]] as const;
    const runs = others.map(([signal, code]) => ({ signal, code, w: createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } }) }));
    try {
      await Promise.all(runs.map(async ({ signal, code, w }) => {
        const p = w.startRun('f', 'two', ['--grace', '1'], { limitMs: 160_000 });
        // Eight runs start at once: generous waits on a loaded host.
        await waitForStepStart(w, 'stuck', 90_000);
        const pid = await waitForDiagnosticGroup(w, 30_000);
        leftovers.push(pid);
        p.child.kill(signal);
        const r = await p.done;
        expect(r.signal, signal).toBeNull();
        expect(r.code, signal).toBe(code);
        expect(r.stderr).toContain(`${signal} received`);
        expectInterruptedAndClean(w, pid);
      }));
    } finally {
      for (const { w } of runs) w.dispose();
    }
  }, 240_000);

  it('a second SIGINT during the rail restore does not skip it', async () => {
    // settle_ms 2500: each vcore set-and-read-back takes 2.5 s, so the clean-up is slow (and a
    // loaded host's test process has time to see the set before the read-back).
    ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO }, vcoreSettleMs: 2500 });
    const p = ws.startRun('f', 'two', ['--grace', '1']);
    await waitForStepStart(ws, 'stuck', 20_000);
    const pid = await waitForDiagnosticGroup(ws);
    leftovers.push(pid);
    p.child.kill('SIGINT');
    // The restore has written nominal and is settling before its read-back: interrupt it again.
    await waitFor('vcore set back to nominal', () => ws!.railState('vcore_mv') === 1000, 10_000);
    const restoredYet = readEvents(ws.onlyRun()).some((e) => e.event === 'margin_restore' && e.rail === 'vcore_mv');
    p.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(restoredYet).toBe(false); // the second SIGINT really came during the restore
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('SIGINT again');
    expectInterruptedAndClean(ws, pid);
  });

  it('Ctrl-C on a terminal (SIGINT to the whole process group), pressed again and again, cannot stop a slow restore', async () => {
    // A controller that takes a second per call. A terminal sends SIGINT to every process of
    // the foreground job, so an actuator started in road_runner's own group would die with it.
    const slowRail = '#!/bin/sh\n# sim-rail behind a slow controller\nsleep 1\nexec "$(dirname "$0")/sim-rail" "$@"\n';
    ws = createWorkspace({
      flows: { f: FLOW },
      margins: { two: TWO },
      scripts: { 'slow-rail': slowRail },
      adapters: { vcore: { kind: 'rail', rail: 'vcore_mv', executable: 'slow-rail', set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'], nominal: 1000, tolerance: 2, settle_ms: 0 } },
    });
    const p = ws.startRun('f', 'two', ['--grace', '1'], { ownGroup: true });
    await waitForStepStart(ws, 'stuck', 20_000);
    leftovers.push(await waitForDiagnosticGroup(ws));
    let ended = false;
    void p.done.then(() => (ended = true));
    // An impatient operator: Ctrl-C every 250 ms until road_runner has exited.
    for (let i = 0; i < 60 && !ended; i++) {
      try {
        process.kill(-p.pid, 'SIGINT');
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const r = await p.done;
    // A Ctrl-C that lands after road_runner has finished and let go of its handlers ends the
    // process by SIGINT, which a shell reports as 130 too.
    expect(r.code ?? (r.signal === 'SIGINT' ? 130 : r.signal), r.stderr).toBe(130);
    expect(r.stderr).toContain('still restoring rails');
    expectInterruptedAndClean(ws, leftovers[leftovers.length - 1]!);
  });
});

