// `run --resume ID` after SIGINT between sub-runs: the finished sub-runs stay byte-for-byte
// as they were, the interrupted one and the rest run, steps.ldjson grows, rails end at nominal.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, waitFor, type TestWorkspace } from '../run/workspace.js';
import { NAP_ADAPTER, NAP_SCRIPT, idOf, readRun, show, snapshotTree, stepStartsOf, vcorePoints } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

describe('run --resume after SIGINT', { timeout: 45_000 }, () => {
  it('keeps the finished sub-runs untouched, runs the interrupted one and the rest, and ends passed', async () => {
    ws = createWorkspace({ scripts: { nap: NAP_SCRIPT }, adapters: { nap: NAP_ADAPTER }, flows: { naps: { steps: [{ id: 'nap', adapter: 'nap' }] } }, margins: { four: vcorePoints(4) } });
    const p = ws.startRun('naps', 'four', ['--grace', '1']);
    const runFolder = await waitFor('the run folder', () => ws!.runFolders()[0]);
    const id = idOf(runFolder);
    // Stop it while the 3rd sub-run's step runs, after the 2nd has written its summary.
    await waitFor('sub-run 3 started', () => stepStartsOf(runFolder, `${id}-s02`).length > 0, 20_000);
    p.child.kill('SIGINT');
    const stopped = await p.done;
    expect(stopped.code, show(stopped)).toBe(130);
    const before = readRun(runFolder);
    expect(before.summary.status).toBe('interrupted');
    expect(before.summary.subruns.map((s: any) => s.status)).toEqual(['passed', 'passed', 'interrupted', 'planned']);

    const [s1, s2, s3, s4] = subrunFolders(runFolder);
    const kept = { s1: snapshotTree(s1!), s2: snapshotTree(s2!) };
    expect(Object.keys(kept.s1).sort()).toEqual(['stderr/', 'stderr/00_nap.log', 'stdout/', 'stdout/00_nap.log', 'steps.ldjson', 'summary.json']);
    // The interrupted sub-run's own event log is appended to by the resume.
    const eventsBefore = readFileSync(path.join(s3!, 'steps.ldjson'));
    // mtimes at a coarse clock would hide a rewrite with the same bytes: let time move on.
    await new Promise((r) => setTimeout(r, 50));

    const r = await ws.cli(['run', '--resume', id, '--yes', '--grace', '1']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`resuming ${id}: 2 sub-runs kept, 2 to run`);
    expect(ws.runFolders()).toEqual([runFolder]);

    // Finished sub-runs: same files, same bytes, same mtimes.
    expect(snapshotTree(s1!)).toEqual(kept.s1);
    expect(snapshotTree(s2!)).toEqual(kept.s2);
    // The interrupted one and the one never reached ran now.
    for (const dir of [s3!, s4!]) {
      const sub = readJson(path.join(dir, 'summary.json'));
      expect(sub.status).toBe('passed');
      expect(sub.steps.map((x: any) => x.status)).toEqual(['passed']);
      expect(readFileSync(path.join(dir, 'stdout/00_nap.log'), 'utf8')).toBe('napped\n');
    }
    const after = readRun(runFolder);
    expect(after.summary.status).toBe('passed');
    expect(after.summary.exit_code).toBe(0);
    expect(after.summary.started_at).toBe(before.summary.started_at);
    expect(after.summary.subruns.map((s: any) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(after.summary.counts).toEqual({ passed: 4, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 });

    // The interrupted sub-run's steps.ldjson was appended to, not rewritten.
    const eventsAfter = readFileSync(path.join(s3!, 'steps.ldjson'));
    expect(eventsAfter.length).toBeGreaterThan(eventsBefore.length);
    expect(eventsAfter.subarray(0, eventsBefore.length).equals(eventsBefore)).toBe(true);
    const starts = readEvents(runFolder).filter((e) => e.event === 'step_start').map((e) => e.subrun_id.slice(id.length + 1));
    expect(starts).toEqual(['s00', 's01', 's02', 's02', 's03']);
    const ends = readEvents(runFolder).filter((e) => e.event === 'step_end').map((e) => `${e.subrun_id.slice(id.length + 1)}:${e.status}`);
    expect(ends).toEqual(['s00:passed', 's01:passed', 's02:interrupted', 's02:passed', 's03:passed']);

    // Rails at nominal, and nothing host-wide left behind (lock, journal).
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000, 960, 1000, 970, 1000, 970, 1000, 980, 1000]);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
