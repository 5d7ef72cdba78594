// `road_runner rerun RUN_ID --only …` (SPEC §11) through the built CLI: a run of just the
// failed (marginal, flaky, crashed) points of an earlier run, from its inputs/ copies, with the
// original seeds and values, linked back to it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

/** Seven points, gflops = (vcore_mv - 800) / 4: 875 and 1025 fail, 900, 925 and 1000 are marginal. */
function edgesWorkspace(): TestWorkspace {
  return createWorkspace({
    adapters: { gflops: { executable: 'gflops-by-vcore', timeout_s: 30, metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } } } },
    flows: { lim: { steps: [{ id: 'throughput', adapter: 'gflops', limits: { gflops: { min: 25, marginal_min: 37.5, marginal_max: 43.75, max: 50 } } }] } },
    margins: { edges: { global_seed: 5, targets: { default: { vcore_mv: { values: [875, 900, 925, 950, 975, 1000, 1025] }, freq_mhz: { fixed: 2000 } } } } },
  });
}

const subrunsOf = (dir: string) => readJson(path.join(dir, 'plan.json')).subruns as { id: string; seed: number; point: Record<string, number>; margins: Record<string, number> }[];
const key = (p: Record<string, number>) => JSON.stringify(Object.entries(p).sort());

describe('rerun --only', () => {
  it('--only failed of the sample run runs exactly its failed points, with their seeds and jittered values, and links back', async () => {
    ws = createWorkspace({ sample: true });
    const first = await ws.run('sample_flow', 'sample_margin', [], { limitMs: 170_000 });
    expect(first.code).toBe(1);
    const [oldDir] = ws.runFolders();
    const oldId = path.basename(oldDir!);
    const oldSummary = readJson(path.join(oldDir!, 'summary.json'));
    const failed = oldSummary.subruns.filter((s: any) => s.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(oldSummary.subruns.length);
    const oldPlan = new Map(subrunsOf(oldDir!).map((s) => [key(s.point), s]));

    const r = await ws.cli(['rerun', oldId, '--only', 'failed', '--yes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // the same points fail again: the stub part is deterministic
    expect(r.stdout).toContain(`rerun of ${oldId} (--only failed): ${failed.length} point(s), unit SN1`);
    const newDir = ws.runFolders().find((d) => d !== oldDir)!;
    const plan = readJson(path.join(newDir, 'plan.json'));
    expect(plan.rerun_of).toEqual({ run_id: oldId, only: ['failed'] });
    expect(plan.seed).toBe(oldSummary.seed);
    expect(plan.subruns.map((s: any) => key(s.point)).sort()).toEqual(failed.map((s: any) => key(s.point)).sort());
    for (const [i, s] of plan.subruns.entries()) {
      const was = oldPlan.get(key(s.point))!;
      expect(s.id).toBe(`${path.basename(newDir)}-s${String(i).padStart(2, '0')}`);
      expect(s.seed).toBe(was.seed);
      expect(s.margins).toEqual(was.margins); // jitter included
    }
    // The diagnostics saw the original seeds.
    const seeds = new Map(readEvents(newDir).filter((e) => e.event === 'step_start').map((e) => [e.subrun_id, e.seed]));
    for (const s of plan.subruns) expect(seeds.get(s.id)).toBe(oldPlan.get(key(s.point))!.seed);
    const summary = readJson(path.join(newDir, 'summary.json'));
    expect(summary.rerun_of).toEqual({ run_id: oldId, only: ['failed'] });
    expect(summary.unit).toBe('SN1');
    expect(summary.subruns.every((s: any) => s.status === 'failed')).toBe(true);
    expect(readFileSync(path.join(newDir, 'report.md'), 'utf8')).toContain(`Rerun of \`${oldId}\`: only its failed points, with their original seeds.`);
    expect(readFileSync(path.join(newDir, 'report.html'), 'utf8')).toContain(`Rerun of <span class="mono">${oldId}</span>`);
  }, 180_000); // two real sample runs: generous on a loaded host (a guard, not a timing assertion)

  it('--only flaky takes the points of a hand-written boundary.json; combined with marginal; unknown points are named', async () => {
    ws = edgesWorkspace();
    expect((await ws.run('lim', 'edges')).code).toBe(1);
    const [oldDir] = ws.runFolders();
    const oldId = path.basename(oldDir!);
    writeFileSync(path.join(oldDir!, 'boundary.json'), JSON.stringify({
      format: 'road_runner.boundary/1', run_id: oldId, rail: 'vcore_mv', direction: 'down', strategy: 'grid', resolution: 25, guard_band: 0,
      columns: [{
        axes: {}, raw: 900, confirmed: 925, guard_banded: 945, last_pass: 900, first_fail: 875, probes: 7,
        points: [{ value: 875, verdict: 'fail', passes: 0, fails: 1 }, { value: 950, verdict: 'flaky', passes: 2, fails: 1 }, { value: 975, verdict: 'pass', passes: 1, fails: 0 }],
        flaky: [950, 1050], holes: [],
      }],
    }));
    const r = await ws.cli(['rerun', oldId, '--only', 'flaky,marginal', '--yes']);
    expect(r.code, r.stderr).toBe(5); // the marginal points are marginal again, 950 passes
    expect(r.stderr).toContain('note: vcore_mv=1050 (flaky): not a point of the plan rebuilt from the inputs');
    const newDir = ws.runFolders().find((d) => d !== oldDir)!;
    const plan = readJson(path.join(newDir, 'plan.json'));
    expect(plan.rerun_of).toEqual({ run_id: oldId, only: ['marginal', 'flaky'] });
    // Plan order, each point once.
    expect(plan.subruns.map((s: any) => s.point.vcore_mv)).toEqual([900, 925, 950, 1000]);
    const oldSeeds = new Map(subrunsOf(oldDir!).map((s) => [s.point.vcore_mv, s.seed]));
    for (const s of plan.subruns) expect(s.seed).toBe(oldSeeds.get(s.point.vcore_mv));
  });

  it('nothing to pick exits 0 and starts no run; a run without boundary.json has no flaky points; a wrong --only is exit 2', async () => {
    ws = edgesWorkspace();
    expect((await ws.run('lim', 'edges')).code).toBe(1);
    const oldId = path.basename(ws.onlyRun());
    // A grid run writes boundary.json now; one recorded before it did has none.
    expect(existsSync(path.join(ws.onlyRun(), 'boundary.json'))).toBe(true);
    rmSync(path.join(ws.onlyRun(), 'boundary.json'));
    const flaky = await ws.cli(['rerun', oldId, '--only', 'flaky', '--yes']);
    expect(flaky.code).toBe(0);
    expect(flaky.stderr).toContain(`note: run ${oldId} has no boundary.json, so it has no flaky points`);
    expect(flaky.stdout).toContain(`run ${oldId} has no flaky points: nothing to rerun`);
    const crashed = await ws.cli(['rerun', 'latest', '--only', 'crashed', 'flaky', '--yes']);
    expect(crashed.code).toBe(0);
    expect(crashed.stdout).toContain(`run ${oldId} has no flaky or crashed points: nothing to rerun`);
    expect(ws.runFolders()).toHaveLength(1);
    const wrong = await ws.cli(['rerun', oldId, '--only', 'failing', '--yes']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--only failing: not something rerun can pick');
    const none = await ws.cli(['rerun', '--only', 'failed', '--yes']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('rerun needs a run id');
  });

  it('a passed rerun is repeated by rerun-last with the same points and seeds', async () => {
    ws = edgesWorkspace();
    expect((await ws.run('lim', 'edges')).code).toBe(1);
    const oldDir = ws.onlyRun();
    const oldId = path.basename(oldDir);
    writeFileSync(path.join(oldDir, 'boundary.json'), JSON.stringify({
      format: 'road_runner.boundary/1', run_id: oldId, rail: 'vcore_mv', direction: 'down', strategy: 'grid', resolution: 25, guard_band: 0,
      columns: [{ axes: {}, raw: 950, confirmed: 950, guard_banded: 950, last_pass: 950, first_fail: 925, probes: 7, points: [], flaky: [950, 975], holes: [] }],
    }));
    const r = await ws.cli(['rerun', oldId, '--only', 'flaky', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const rerunDir = ws.runFolders().find((d) => d !== oldDir)!;
    const again = await ws.cli(['rerun-last', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`re-running ${path.basename(rerunDir)}`);
    const lastDir = ws.runFolders().find((d) => d !== oldDir && d !== rerunDir)!;
    const [a, b] = [rerunDir, lastDir].map((d) => readJson(path.join(d, 'plan.json')));
    expect(b.subruns.map((s: any) => [s.point.vcore_mv, s.seed])).toEqual(a.subruns.map((s: any) => [s.point.vcore_mv, s.seed]));
    expect(b.subruns.map((s: any) => s.point.vcore_mv)).toEqual([950, 975]);
    expect(b.rerun_of).toEqual({ run_id: oldId, only: ['flaky'] });
  });
});
