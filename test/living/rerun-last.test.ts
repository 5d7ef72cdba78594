// `road_runner rerun-last`: the most recent passed run re-executed from its own inputs/
// copies with its seed and unit, whatever happened to the workspace files since; or from
// the current files with --from-files. Real runs in temp workspaces through the built CLI.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createWorkspace, readEvents, subrunFolders, type TestWorkspace } from '../run/workspace.js';
import { idOf, readRun, runWith, show, snapshotTree, withoutIdentity } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const SAY = { steps: [{ id: 'say', adapter: 'print-args', params: { text: 'old-text' } }] };
const SWEEP = { global_seed: 9, targets: { default: { vcore_mv: { sweep: { start: 950, stop: 975, step: 25 } }, freq_mhz: { fixed: 2000 } } } };
const BROKEN = { steps: [{ id: 'boom', adapter: 'fail' }] };

/** Every argv of every step of a plan. */
function argvs(plan: Record<string, any>): string[][] {
  return plan.subruns.flatMap((s: any) => s.steps.map((st: any) => st.argv));
}

describe('rerun-last', { timeout: 45_000 }, () => {
  it('re-executes the last passed run from its inputs/ copies after the files changed; --from-files uses the current files', async () => {
    ws = createWorkspace({ flows: { say: SAY }, margins: { sweep: SWEEP } });
    const first = await runWith(ws, ['--flow', 'flows/say.yaml', '--margin', 'margins/sweep.yaml', '--unit', 'SN-ORIG', '--seed', '4242']);
    expect(first.code, show(first)).toBe(0);
    const origDir = ws.onlyRun();
    const orig = readRun(origDir);
    expect(orig.summary.status).toBe('passed');
    expect(orig.plan.subruns).toHaveLength(2);

    // The operator edits the workspace afterwards: another param, a wider sweep.
    writeFileSync(path.join(ws.root, 'flows/say.yaml'), stringify({ name: 'say', steps: [{ id: 'say', adapter: 'print-args', params: { text: 'new-text' } }] }));
    writeFileSync(path.join(ws.root, 'margins/sweep.yaml'), stringify({ name: 'sweep', ...SWEEP, targets: { default: { ...SWEEP.targets.default, vcore_mv: { sweep: { start: 950, stop: 1000, step: 25 } } } } }));
    const origTree = snapshotTree(origDir);

    const again = await ws.cli(['rerun-last', '--yes']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain(`re-running ${idOf(origDir)}`);
    const [, rerunDir] = ws.runFolders();
    expect(rerunDir).toBeDefined();
    const rerun = readRun(rerunDir!);
    // Same plan apart from ids, time, seed source and input paths; same seed and unit.
    expect(rerun.plan.run_id).not.toBe(orig.plan.run_id);
    expect(withoutIdentity(rerun.plan)).toEqual(withoutIdentity(orig.plan));
    expect(rerun.plan.seed).toBe(4242);
    expect(rerun.summary.unit).toBe('SN-ORIG');
    expect(rerun.summary.seed).toBe(4242);
    expect(rerun.summary.status).toBe('passed');
    // The edited files were not used: old param, two points, old file bytes in inputs/.
    expect(argvs(rerun.plan)).toEqual([['diags/print-args', 'old-text'], ['diags/print-args', 'old-text']]);
    expect(readFileSync(path.join(rerunDir!, 'inputs/flows/say.yaml'), 'utf8')).toBe(readFileSync(path.join(origDir, 'inputs/flows/say.yaml'), 'utf8'));
    expect(readFileSync(path.join(rerunDir!, 'inputs/margins/sweep.yaml'), 'utf8')).toContain('stop: 975');
    const starts = readEvents(rerunDir!).filter((e) => e.event === 'step_start');
    expect(starts.map((e) => [e.argv, e.seed, e.margins.vcore_mv])).toEqual(
      readEvents(origDir).filter((e) => e.event === 'step_start').map((e) => [e.argv, e.seed, e.margins.vcore_mv]));
    for (const sub of subrunFolders(rerunDir!)) expect(readFileSync(path.join(sub, 'stdout/00_say.log'), 'utf8')).toBe('"old-text"\n');
    // The original run is left as it was.
    expect(snapshotTree(origDir)).toEqual(origTree);

    // --from-files: the current workspace files, still the same seed and unit.
    const fromFiles = await ws.cli(['rerun-last', '--yes', '--from-files']);
    expect(fromFiles.code, show(fromFiles)).toBe(0);
    expect(fromFiles.stdout).toContain('from the current workspace files');
    expect(fromFiles.stdout).toContain('different plan');
    const [, , currentDir] = ws.runFolders();
    const current = readRun(currentDir!);
    expect(current.plan.seed).toBe(4242);
    expect(current.summary.unit).toBe('SN-ORIG');
    expect(argvs(current.plan)).toEqual([['diags/print-args', 'new-text'], ['diags/print-args', 'new-text'], ['diags/print-args', 'new-text']]);
    expect(current.plan.subruns.map((s: any) => s.point.vcore_mv)).toEqual([950, 975, 1000]);
    expect(withoutIdentity(current.plan)).not.toEqual(withoutIdentity(orig.plan));
    // Only params, points and input hashes moved: the first two sub-runs keep their seeds.
    expect(current.plan.subruns.slice(0, 2).map((s: any) => s.seed)).toEqual(orig.plan.subruns.map((s: any) => s.seed));
  });

  it('in the sample workspace (a hardware profile selected among several): the rebuilt plan keeps profile and reasons', async () => {
    ws = createWorkspace({ sample: true });
    // Two points of the sample shmoo keep it quick; the flow is the sample's.
    writeFileSync(path.join(ws.root, 'margins/two.yaml'), stringify({ name: 'two', global_seed: 42, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } }));
    const first = await runWith(ws, ['--flow', 'flows/sample_flow.yaml', '--margin', 'margins/two.yaml', '--unit', 'SN-XEON']);
    expect(first.code, show(first)).toBe(0);
    const orig = readRun(ws.onlyRun());
    expect(orig.plan.profile).toBe('intel-xeon');
    const r = await ws.cli(['rerun-last', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const rerun = readRun(ws.runFolders()[1]!);
    expect(rerun.plan.profile_reasons).toEqual(orig.plan.profile_reasons);
    expect(withoutIdentity(rerun.plan)).toEqual(withoutIdentity(orig.plan));
    expect(rerun.summary.profile).toBe('intel-xeon');
    expect(rerun.summary.status).toBe('passed');
  });

  it('skips a more recent failed run and re-runs the last passed one with its own seed, unit and inputs', async () => {
    ws = createWorkspace({ flows: { say: SAY, broken: BROKEN }, margins: { sweep: SWEEP } });
    const passed = await runWith(ws, ['--flow', 'say', '--margin', 'sweep', '--unit', 'SN-PASS', '--seed', '111']);
    expect(passed.code, show(passed)).toBe(0);
    const failed = await runWith(ws, ['--flow', 'broken', '--margin', 'one', '--unit', 'SN-FAIL', '--seed', '222']);
    expect(failed.code, show(failed)).toBe(1);
    const [passedDir, failedDir] = ws.runFolders();
    expect(readRun(failedDir!).summary.status).toBe('failed');
    expect(readRun(failedDir!).summary.started_at > readRun(passedDir!).summary.started_at).toBe(true);

    const r = await ws.cli(['rerun-last', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`re-running ${idOf(passedDir!)} (unit SN-PASS, seed 111)`);
    const [, , newDir] = ws.runFolders();
    const { plan, summary } = readRun(newDir!);
    expect(summary.unit).toBe('SN-PASS');
    expect(plan.seed).toBe(111);
    expect(plan.flow).toBe('say');
    expect(plan.margin).toBe('sweep');
    expect(withoutIdentity(plan)).toEqual(withoutIdentity(readRun(passedDir!).plan));
    expect(readEvents(newDir!).filter((e) => e.event === 'step_start').every((e) => e.adapter === 'print-args')).toBe(true);
  });

  it('with no passed run at all: exit 2 with the reason, nothing started', async () => {
    ws = createWorkspace({ flows: { broken: BROKEN } });
    const none = await ws.cli(['rerun-last', '--yes']);
    expect(none.code, show(none)).toBe(2);
    expect(none.stderr).toContain('no passed run');
    expect(ws.runFolders()).toEqual([]);

    const failed = await runWith(ws, ['--flow', 'broken', '--margin', 'one', '--unit', 'SN-FAIL']);
    expect(failed.code, show(failed)).toBe(1);
    const dry = await runWith(ws, ['--flow', 'broken', '--margin', 'one', '--unit', 'SN-DRY', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    const before = snapshotTree(ws.runs);
    const r = await ws.cli(['rerun-last', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('no passed run');
    expect(r.stderr).toContain('runs list');
    expect(snapshotTree(ws.runs)).toEqual(before);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000]);
  });
});
