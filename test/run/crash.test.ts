// kill -9 of road_runner mid-step, then `recover` or a plain `run`; and the host lock.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWorkspace, groupMembers, isPidAlive, killGroupQuietly, readEvents, readJson, subrunFolders, waitFor, waitForDiagnosticGroup,
  waitForStepStart, type CliProcess, type TestWorkspace,
} from './workspace.js';

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

const FLOWS = {
  f: { steps: [{ id: 'first', adapter: 'pass' }, { id: 'stuck', adapter: 'hang' }, { id: 'never', adapter: 'pass' }] },
  quick: { steps: [{ id: 'p', adapter: 'pass' }] },
};
const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

/** Starts a run, waits until its `stuck` step runs, and kill -9s road_runner. Returns the orphan's group. */
async function crashMidStep(w: TestWorkspace): Promise<{ runDir: string; pgid: number }> {
  const p: CliProcess = w.startRun('f', 'two', ['--grace', '1']);
  await waitForStepStart(w, 'stuck');
  const pgid = await waitForDiagnosticGroup(w);
  leftovers.push(pgid);
  // Crash once road_runner has recorded the group (it can only do so right after spawning it).
  await waitFor('the diagnostic recorded in the crash journal', () => recordedGroups(w).includes(pgid), 5_000);
  p.child.kill('SIGKILL');
  const r = await p.done;
  expect(r.signal).toBe('SIGKILL');
  // The state a crash leaves: margined rails, an orphaned diagnostic, a journal.
  expect(w.railState('vcore_mv')).toBe(950);
  expect(w.railState('freq_mhz')).toBe(2000);
  expect(groupMembers(pgid).length).toBeGreaterThan(0);
  expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(true);
  return { runDir: w.onlyRun(), pgid };
}

/** Process groups the crash journal (and its running-groups record beside it) names. */
function recordedGroups(w: TestWorkspace): number[] {
  const out: number[] = [];
  for (const f of ['.journal.json', '.journal.pgids']) {
    try {
      const v = JSON.parse(readFileSync(path.join(w.runs, f), 'utf8'));
      out.push(...(Array.isArray(v) ? v : v.pgids ?? []));
    } catch {
      /* absent or being rewritten */
    }
  }
  return out;
}

/** The crashed run is marked crashed, its rails restored by recovery, its diagnostic gone. */
function expectRecovered(w: TestWorkspace, runDir: string, pgid: number): void {
  expect(groupMembers(pgid)).toEqual([]);
  expect(isPidAlive(pgid)).toBe(false);
  expect(w.railState('vcore_mv')).toBe(1000);
  expect(w.railState('freq_mhz')).toBe(2400);
  const s = readJson(path.join(runDir, 'summary.json'));
  expect(s.status).toBe('crashed');
  expect(s.subruns.map((x: any) => x.status)).toEqual(['crashed', 'planned']);
  const [active] = subrunFolders(runDir);
  expect(readJson(path.join(active!, 'summary.json')).status).toBe('crashed');
  const restores = readEvents(runDir).filter((e) => e.event === 'margin_restore');
  expect(restores.map((e) => [e.rail, e.requested, e.read_back, e.ok, e.reason]).sort()).toEqual([
    ['freq_mhz', 2400, 2400, true, 'crash recovery'],
    ['vcore_mv', 1000, 1000, true, 'crash recovery'],
  ]);
  expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
}

describe('run: crashes and the host lock', () => {
  it('kill -9 mid-step, then `recover`: orphan group ended, rails at nominal, run and sub-run crashed', async () => {
    ws = createWorkspace({ flows: FLOWS, margins: { two: TWO } });
    const { runDir, pgid } = await crashMidStep(ws);
    const r = await ws.cli(['recover']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`recovered run ${path.basename(runDir)}`);
    expectRecovered(ws, runDir, pgid);
    // Nothing left in runs/: no journal, no running-groups record, no lock.
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
    // A second recover finds nothing to do.
    const again = await ws.cli(['recover']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to recover');
  });

  it('recover also ends a diagnostic the journal never recorded (killed between spawn and record)', async () => {
    ws = createWorkspace({ flows: FLOWS, margins: { two: TWO } });
    const { runDir, pgid } = await crashMidStep(ws);
    // What a crash right after spawn() leaves: a running diagnostic that no record names.
    writeFileSync(path.join(ws.runs, '.journal.pgids'), '[]');
    const journal = readJson(path.join(ws.runs, '.journal.json'));
    writeFileSync(path.join(ws.runs, '.journal.json'), JSON.stringify({ ...journal, pgids: [] }));
    expect(recordedGroups(ws)).toEqual([]);
    const r = await ws.cli(['recover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`process ${pgid} \\(\\S+, group ${pgid}\\): terminated`));
    expectRecovered(ws, runDir, pgid);
  });

  it('kill -9 mid-step, then a plain `run`: it recovers first, then runs normally', async () => {
    ws = createWorkspace({ flows: FLOWS, margins: { two: TWO } });
    const { runDir, pgid } = await crashMidStep(ws);
    const r = await ws.run('quick', 'one');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`recovered crashed run ${path.basename(runDir)}`);
    expectRecovered(ws, runDir, pgid);
    const [, second] = ws.runFolders();
    expect(readJson(path.join(second!, 'summary.json')).status).toBe('passed');
    // The new run set its own rails only after recovery put the old ones back.
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000, 950, 1000]);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('SIGHUP during `recover` does not cut it short: rails restored, run marked crashed, then exit 129', async () => {
    // settle_ms 1500: the recovery's vcore restore takes 1.5 s after writing nominal.
    ws = createWorkspace({ flows: FLOWS, margins: { two: TWO }, vcoreSettleMs: 1500 });
    const { runDir, pgid } = await crashMidStep(ws);
    const p = ws.startCli(['recover']);
    await waitFor('recovery writing vcore back to nominal', () => ws!.railState('vcore_mv') === 1000, 30_000);
    const restoredYet = readEvents(runDir).some((e) => e.event === 'margin_restore' && e.rail === 'vcore_mv');
    p.child.kill('SIGHUP');
    const r = await p.done;
    expect(restoredYet).toBe(false); // the signal really came during the restore
    expect(r.code, r.stderr).toBe(129);
    expect(r.stderr).toContain('SIGHUP received during recovery; it finished first');
    expectRecovered(ws, runDir, pgid);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a second run while one holds the lock exits 4 and names the holder', async () => {
    ws = createWorkspace({ flows: FLOWS, margins: { two: TWO } });
    const first = ws.startRun('f', 'two', ['--grace', '1']);
    await waitForStepStart(ws, 'stuck');
    leftovers.push(await waitForDiagnosticGroup(ws));
    const holder = path.basename(ws.onlyRun());
    const history = ws.railHistory('vcore_mv');

    const second = await ws.run('quick', 'one');
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(holder);
    expect(second.stderr).toContain(String(first.pid));
    expect(ws.runFolders()).toHaveLength(1);
    expect(ws.railHistory('vcore_mv')).toEqual(history);

    first.child.kill('SIGINT');
    expect((await first.done).code).toBe(130);
    // Once released, the lock can be taken again.
    expect((await ws.run('quick', 'one')).code).toBe(0);
  });
});
