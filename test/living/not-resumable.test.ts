// `run --resume ID` refuses, with exit 2 and the reason, whatever cannot be resumed: a
// complete run, a dry run, an unknown or malformed id, a plan from an incompatible version.
// No error path deletes or creates anything.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, waitFor, type TestWorkspace } from '../run/workspace.js';
import { NAP_ADAPTER, NAP_SCRIPT, idOf, readRun, show, snapshotTree, stepStartsOf, vcorePoints } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const FLOWS = { quick: { steps: [{ id: 'p', adapter: 'pass' }] } };

/** Runs `run --resume …` and checks exit 2 with `reason`, and that the whole workspace is unchanged. */
async function expectRefused(w: TestWorkspace, args: string[], reason: string): Promise<void> {
  const before = snapshotTree(w.root);
  const r = await w.cli(['run', '--resume', ...args, '--yes']);
  expect(r.code, show(r)).toBe(2);
  expect(r.stderr).toContain(reason);
  expect(r.stdout).not.toContain('resuming');
  expect(snapshotTree(w.root)).toEqual(before);
}

describe('run --resume: what cannot be resumed', { timeout: 45_000 }, () => {
  it('a complete run, a dry run, an unknown id and a malformed id: exit 2 with the reason, nothing changed', async () => {
    ws = createWorkspace({ flows: FLOWS });
    const done = await ws.cli(['run', '--flow', 'quick', '--margin', 'one', '--unit', 'SN1', '--yes']);
    expect(done.code, show(done)).toBe(0);
    const dry = await ws.cli(['run', '--flow', 'quick', '--margin', 'one', '--unit', 'SN1', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    const [doneDir, dryDir] = ws.runFolders();
    expect(readRun(dryDir!).summary.dry_run).toBe(true);

    await expectRefused(ws, [idOf(doneDir!)], `run ${idOf(doneDir!)} is already complete (status passed)`);
    await expectRefused(ws, [idOf(dryDir!)], `run ${idOf(dryDir!)} was a dry run`);
    await expectRefused(ws, ['rr-20200101T000000Z-abcdef'], 'no run rr-20200101T000000Z-abcdef in');
    // A path instead of an id: refused before anything is opened or created, in or out of runs/.
    // (The workspace is snapshotted whole; where the path would lead outside it must not appear either.)
    const escapes = [path.resolve(ws.runs, '../../etc'), path.resolve(ws.runs, '../etc'), path.resolve(ws.runs, '../../etc/summary.json')];
    const existedBefore = escapes.map((f) => existsSync(f));
    await expectRefused(ws, ['../../etc'], '"../../etc" is not a run id');
    await expectRefused(ws, [`../${idOf(doneDir!)}`], 'is not a run id');
    await expectRefused(ws, [`${idOf(doneDir!)}/../${idOf(dryDir!)}`], 'is not a run id');
    expect(escapes.map((f) => existsSync(f))).toEqual(existedBefore);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000]);
  });

  it('a plan of an incompatible format: exit 2 with the reason; the same run resumes once the format is right', async () => {
    ws = createWorkspace({ scripts: { nap: NAP_SCRIPT }, adapters: { nap: NAP_ADAPTER }, flows: { naps: { steps: [{ id: 'nap', adapter: 'nap' }] } }, margins: { two: vcorePoints(2) } });
    const p = ws.startRun('naps', 'two', ['--grace', '1']);
    const runFolder = await waitFor('the run folder', () => ws!.runFolders()[0]);
    await waitFor('sub-run 2 started', () => stepStartsOf(runFolder, `${idOf(runFolder)}-s01`).length > 0, 20_000);
    p.child.kill('SIGINT');
    expect((await p.done).code).toBe(130);
    const dir = ws.onlyRun();
    const id = idOf(dir);
    expect(readRun(dir).summary.status).toBe('interrupted');

    const planFile = path.join(dir, 'plan.json');
    const original = readFileSync(planFile, 'utf8');
    writeFileSync(planFile, original.replace('"format": "road_runner.plan/1"', '"format": "road_runner.plan/2"'));
    await expectRefused(ws, [id], `run ${id} was planned by an incompatible road_runner (plan format road_runner.plan/2)`);

    // With the format it understands, the very same run resumes (the format was the only obstacle).
    writeFileSync(planFile, original);
    const r = await ws.cli(['run', '--resume', id, '--yes', '--grace', '1']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`resuming ${id}: 1 sub-runs kept, 1 to run`);
    expect(readRun(dir).summary.status).toBe('passed');
  });
});
