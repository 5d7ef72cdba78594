// Reruns of a search run through the built CLI (SPEC §10–§11): `rerun RUN_ID --only crashed`
// runs just the crashed probe's point again, as a list, with its seed; `rerun-last` of a search
// run searches again from the run's inputs/ copies and ends with the same boundary.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readJson, subrunFolders, waitFor, type TestWorkspace } from '../run/workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// A hard edge at 800 mV (2000 MHz) + 12.5 mV per 100 MHz; a short sleep so a run can be killed mid-probe.
const EDGE_PART = `#!/bin/sh
vcore=\${RR_MARGIN_VCORE_MV:-1000}; freq=\${RR_MARGIN_FREQ_MHZ:-2400}
sleep 0.1
bad=$(awk -v v="$vcore" -v f="$freq" 'BEGIN { print (v < 800 + (f - 2000) * 0.125) ? 1 : 0 }')
echo "edge-part: vcore_mv=$vcore freq_mhz=$freq"
[ "$bad" = 1 ] && { echo "edge-part: FAILED" >&2; exit 1; }
echo "edge-part: PASSED"
`;

const margin = (start: number, stop: number, freqs: number[], search: Record<string, unknown>) => ({
  global_seed: 13,
  targets: { default: { vcore_mv: { sweep: { start, stop, step: -10 } }, freq_mhz: { values: freqs } } },
  search: { rail: 'vcore_mv', direction: 'down', resolution: 10, ...search },
});

function edgeWorkspace(): TestWorkspace {
  return createWorkspace({
    scripts: { 'edge-part': EDGE_PART },
    adapters: { 'edge-part': { executable: 'edge-part', timeout_s: 30 } },
    flows: { edge: { steps: [{ id: 'edge', adapter: 'edge-part' }] } },
    margins: {
      crossing: margin(880, 780, [2000, 2400], { strategy: 'edge', confirm: 2 }),
      // Every point of this lattice is above the part's edge: the search passes, so rerun-last takes it.
      above: margin(1000, 950, [2000], { strategy: 'binary', confirm: 2, explore: 'single' }),
    },
  });
}

const boundaryColumns = (dir: string) => readJson(path.join(dir, 'boundary.json')).columns.map((c: any) => ({ ...c, points: c.points.map(({ subruns: _s, ...p }: any) => p) }));

describe('reruns of a search run', () => {
  it('rerun RUN_ID --only crashed runs the crashed probe’s point again with its seed, and rails end at nominal', async () => {
    ws = edgeWorkspace();
    const p = ws.startRun('edge', 'crossing', ['--grace', '1'], { limitMs: 120_000 });
    await waitFor('the 3rd probe’s step to start', () => {
      const third = ws!.runFolders().length === 1 ? subrunFolders(ws!.onlyRun())[2] : undefined;
      return third !== undefined && existsSync(path.join(third, 'steps.ldjson'));
    }, 60_000);
    p.child.kill('SIGKILL');
    await p.done;
    const dir = ws.onlyRun();
    const runId = path.basename(dir);
    const resumed = await ws.cli(['run', '--resume', runId, '--yes'], { limitMs: 120_000 });
    expect(resumed.code).toBe(1);
    const crashed = readJson(path.join(dir, 'summary.json')).subruns.filter((s: any) => s.status === 'crashed');
    expect(crashed).toHaveLength(1);
    const crashedPlan = readJson(path.join(dir, 'subruns', crashed[0].id, 'summary.json'));

    const r = await ws.cli(['rerun', runId, '--only', 'crashed', '--yes'], { limitMs: 120_000 });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stdout).toContain(`rerun of ${runId} (--only crashed): 1 point(s)`);
    const newDir = ws.runFolders().find((d) => d !== dir)!;
    const plan = readJson(path.join(newDir, 'plan.json'));
    expect(plan.rerun_of).toEqual({ run_id: runId, only: ['crashed'] });
    // The crashed probe's point, as a list of one (not a new search), with the probe's own seed.
    expect(plan.search).toBeUndefined();
    expect(plan.subruns).toHaveLength(1);
    expect(plan.subruns[0].point).toEqual(crashedPlan.point);
    expect(plan.subruns[0].seed).toBe(crashedPlan.seed);
    const summary = readJson(path.join(newDir, 'summary.json'));
    const vmin = 800 + (crashedPlan.point.freq_mhz - 2000) * 0.125;
    expect(summary.subruns[0].status).toBe(crashedPlan.point.vcore_mv >= vmin ? 'passed' : 'failed');
    expect(r.code).toBe(crashedPlan.point.vcore_mv >= vmin ? 0 : 1);
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  }, 300_000);

  it('rerun-last of a passed search run searches again from its copies and finds the same boundary', async () => {
    ws = edgeWorkspace();
    const first = await ws.run('edge', 'above', [], { limitMs: 120_000 });
    expect(first.code).toBe(0);
    const firstDir = ws.onlyRun();
    const again = await ws.cli(['rerun-last', '--yes'], { limitMs: 120_000 });
    expect(again.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(again.code).toBe(0);
    const secondDir = ws.runFolders().find((d) => d !== firstDir)!;
    const plan = readJson(path.join(secondDir, 'plan.json'));
    expect(plan.search.spec).toMatchObject({ strategy: 'binary', confirm: 2, explore: 'single' });
    expect(plan.seed).toBe(readJson(path.join(firstDir, 'plan.json')).seed);
    expect(boundaryColumns(secondDir)).toEqual(boundaryColumns(firstDir));
    expect(boundaryColumns(secondDir).map((c: any) => c.confirmed)).toEqual([950]);
    expect(subrunFolders(secondDir).length).toBe(subrunFolders(firstDir).length);
    expect(ws.railState('vcore_mv')).toBe(1000);
  }, 300_000);
});
