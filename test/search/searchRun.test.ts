// Search runs end to end (SPEC §10): the built CLI in temp workspaces, real diagnostics, real
// run folders. A deterministic part (a fixture diagnostic with a hard edge and no flaky band)
// makes the kill -9 / resume comparison exact; the sample part (flaky band) is checked against
// its documented boundary and against a full grid of the same points.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readJson, subrunFolders, waitFor, type TestWorkspace } from '../run/workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// One uninterrupted edge search, run once: the first test that needs it checks it, the kill -9
// test compares its resumed run with it (a whole search is the costliest part of this file).
let edgeRun: Promise<{ ws: TestWorkspace; dir: string; code: number | null; stderr: string }> | undefined;
function wholeEdgeSearch(): NonNullable<typeof edgeRun> {
  edgeRun ??= (async () => {
    const w = edgeWorkspace();
    const r = await w.run('edge', 'edge_search', [], { limitMs: 120_000 });
    return { ws: w, dir: w.onlyRun(), code: r.code, stderr: r.stderr };
  })();
  return edgeRun;
}
afterAll(async () => {
  (await edgeRun)?.ws.dispose();
});

// A part with a hard edge: fails below 800 mV at 2000 MHz, +12.5 mV per 100 MHz; sleeps a little so a run can be killed mid-search.
const EDGE_PART = `#!/bin/sh
vcore=\${RR_MARGIN_VCORE_MV:-1000}; freq=\${RR_MARGIN_FREQ_MHZ:-2400}
sleep 0.1
bad=$(awk -v v="$vcore" -v f="$freq" 'BEGIN { print (v < 800 + (f - 2000) * 0.125) ? 1 : 0 }')
echo "edge-part: vcore_mv=$vcore freq_mhz=$freq"
[ "$bad" = 1 ] && { echo "edge-part: FAILED" >&2; exit 1; }
echo "edge-part: PASSED"
`;

const LATTICE = { sweep: { start: 1000, stop: 760, step: -10 } };
const searchMargin = (search: Record<string, unknown>) => ({
  global_seed: 11,
  targets: { default: { vcore_mv: LATTICE, freq_mhz: { values: [2000, 2400, 2800] } } },
  search: { rail: 'vcore_mv', direction: 'down', resolution: 10, ...search },
});

function edgeWorkspace(): TestWorkspace {
  return createWorkspace({
    scripts: { 'edge-part': EDGE_PART },
    adapters: { 'edge-part': { executable: 'edge-part', timeout_s: 30 } },
    flows: { edge: { steps: [{ id: 'edge', adapter: 'edge-part' }] } },
    margins: {
      edge_search: searchMargin({ strategy: 'edge', confirm: 2, retest: 1, guard_band: 20 }),
      binary_search: searchMargin({ strategy: 'binary' }),
      too_low: { ...searchMargin({ strategy: 'linear' }), targets: { default: { vcore_mv: { sweep: { start: 1000, stop: 650, step: -50 } }, freq_mhz: { values: [2000] } } } },
      coarse_no_step: searchMargin({ strategy: 'coarse-fine' }),
      grid: { global_seed: 11, targets: { default: { vcore_mv: LATTICE, freq_mhz: { values: [2000, 2400, 2800] } } } },
    },
  });
}

/** boundary.json's columns without sub-run ids (they name the run). */
function columnsOf(runDir: string): any[] {
  const b = readJson(path.join(runDir, 'boundary.json'));
  return b.columns.map((c: any) => ({ ...c, points: c.points.map(({ subruns: _s, ...p }: any) => p) }));
}

describe('search runs', () => {
  it('the sample search finds the sample part’s boundary: each confirmed Vmin at or just above the true one', async () => {
    ws = createWorkspace({ sample: true });
    // The sample flow's cpu-smoke step alone: the boundary is the same, the run four times shorter.
    writeFileSync(path.join(ws.root, 'flows', 'smoke_only.yaml'), 'name: smoke_only\nsteps:\n  - id: smoke\n    adapter: cpu-smoke\n');
    const r = await ws.run('smoke_only', 'sample_search', [], { limitMs: 240_000 });
    expect(r.code).toBe(1);
    const b = readJson(path.join(ws.onlyRun(), 'boundary.json'));
    expect(b).toMatchObject({ strategy: 'edge', guard_band: 20, resolution: 5 });
    for (const c of b.columns) {
      const vmin = 800 + (c.axes.freq_mhz - 2000) * 0.125;
      // Passing three times in a row inside the flaky band is possible; below vmin never.
      expect(c.confirmed, JSON.stringify(c.axes)).toBeGreaterThanOrEqual(vmin);
      expect(c.confirmed).toBeLessThanOrEqual(vmin + 15);
      expect(c.guard_banded).toBe(c.confirmed + 20);
      expect(c.first_fail).toBeLessThan(c.confirmed);
    }
    expect(b.columns.map((c: any) => c.axes.freq_mhz)).toEqual([2000, 2400, 2800]);
  }, 300_000);

  it('finds the edge part’s boundary with few probes; every probe is a sub-run with its point, purpose and own seed', async () => {
    const { ws: w, dir, ...r } = await wholeEdgeSearch();
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const b = readJson(path.join(dir, 'boundary.json'));
    expect(b).toMatchObject({ format: 'road_runner.boundary/1', rail: 'vcore_mv', direction: 'down', strategy: 'edge', resolution: 10, guard_band: 20 });
    // True Vmin: 800, 850, 900 (all on the 10 mV lattice).
    expect(b.columns.map((c: any) => [c.axes.freq_mhz, c.confirmed, c.first_fail, c.guard_banded])).toEqual([
      [2000, 800, 790, 820], [2400, 850, 840, 870], [2800, 900, 890, 920],
    ]);
    const s = readJson(path.join(dir, 'summary.json'));
    const plan = readJson(path.join(dir, 'plan.json'));
    // The plan lists every candidate point; the run ran far fewer.
    expect(plan.subruns).toHaveLength(75);
    expect(plan.subruns[0].id).toMatch(/-p00$/);
    expect(plan.search.spec).toMatchObject({ strategy: 'edge', confirm: 2, retest: 1 });
    const folders = subrunFolders(dir);
    expect(folders.length).toBe(s.subruns.length);
    expect(folders.length).toBeLessThan(plan.subruns.length * 0.6);
    const subs = folders.map((f) => readJson(path.join(f, 'summary.json')));
    expect(subs.map((x) => x.index)).toEqual(subs.map((_x, i) => i));
    expect(new Set(subs.map((x) => x.purpose))).toEqual(new Set(['probe', 'confirm', 'retest']));
    // A failure below the edge makes the run fail (exit 1), as for a grid.
    expect(r.code).toBe(1);
    for (const x of subs) {
      const candidate = plan.subruns.find((p: any) => p.point.vcore_mv === x.point.vcore_mv && p.point.freq_mhz === x.point.freq_mhz);
      expect(candidate, x.id).toBeDefined();
      expect(x.margins).toEqual(candidate.margins);
      expect(x.status).toBe(x.point.vcore_mv < 800 + (x.point.freq_mhz - 2000) * 0.125 ? 'failed' : 'passed');
    }
    // Repeats of one point get different seeds.
    const repeats = subs.filter((x) => x.point.vcore_mv === 1000 && x.point.freq_mhz === 2000);
    expect(repeats.length).toBe(2);
    expect(repeats[0].seed).not.toBe(repeats[1].seed);
    // Rails end at nominal.
    expect(w.railState('vcore_mv')).toBe(1000);
    expect(w.railState('freq_mhz')).toBe(2400);
  }, 150_000);

  it('a grid run of the same points gets boundary.json read off the grid, within one step of the search', async () => {
    ws = edgeWorkspace();
    const g = await ws.run('edge', 'grid', [], { limitMs: 150_000 });
    expect(g.code).toBe(1);
    const s = await ws.run('edge', 'binary_search', [], { limitMs: 120_000 });
    expect(s.code).toBe(1);
    const [gridDir, searchDir] = ws.runFolders();
    const grid = readJson(path.join(gridDir!, 'boundary.json'));
    const search = readJson(path.join(searchDir!, 'boundary.json'));
    expect(grid.strategy).toBe('grid');
    expect(readJson(path.join(subrunFolders(gridDir!)[0]!, 'summary.json')).purpose).toBe('grid');
    expect(grid.columns).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(grid.columns[i].axes).toEqual(search.columns[i].axes);
      expect(Math.abs(grid.columns[i].confirmed - search.columns[i].confirmed)).toBeLessThanOrEqual(10);
    }
    expect(grid.columns.map((c: any) => c.confirmed)).toEqual([800, 850, 900]);
    expect(subrunFolders(searchDir!).length).toBeLessThan(subrunFolders(gridDir!).length / 2);
  }, 300_000);

  it('kill -9 mid-search, then run --resume --retry-crashed: the same boundary as an uninterrupted run', async () => {
    const whole = await wholeEdgeSearch();
    expect(whole.code).toBe(1);
    const wholeDir = whole.dir;
    const w = whole.ws;
    const p = w.startRun('edge', 'edge_search', ['--grace', '1'], { limitMs: 120_000 });
    const interruptedDir = () => w.runFolders().find((d) => d !== wholeDir);
    // Killed while the 8th probe runs (its planned summary is there; its steps are not finished).
    await waitFor('the 8th probe’s step to start', () => {
      const d = interruptedDir();
      const eighth = d === undefined ? undefined : subrunFolders(d)[7];
      return eighth !== undefined && existsSync(path.join(eighth, 'steps.ldjson'));
    }, 60_000);
    p.child.kill('SIGKILL');
    const killed = await p.done;
    expect(killed.signal).toBe('SIGKILL');
    const dir = interruptedDir()!;
    const runId = path.basename(dir);
    const resumed = await w.cli(['run', '--resume', runId, '--yes', '--retry-crashed'], { limitMs: 120_000 });
    expect(resumed.stdout + resumed.stderr).toMatch(/resuming the search of/);
    expect(resumed.code).toBe(1);
    expect(columnsOf(dir)).toEqual(columnsOf(wholeDir));
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.subruns.length).toBe(readJson(path.join(wholeDir, 'summary.json')).subruns.length);
    expect(s.subruns.map((x: any) => x.status).filter((x: string) => x !== 'passed' && x !== 'failed')).toEqual([]);
    expect(w.railState('vcore_mv')).toBe(1000);
    expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
  }, 300_000);

  it('a probe that crashed counts as a fail of its point and is not run again without --retry-crashed', async () => {
    ws = edgeWorkspace();
    const p = ws.startRun('edge', 'edge_search', ['--grace', '1'], { limitMs: 120_000 });
    await waitFor('the 2nd probe’s step to start', () => {
      const second = ws!.runFolders().length === 1 ? subrunFolders(ws!.onlyRun())[1] : undefined;
      return second !== undefined && existsSync(path.join(second, 'steps.ldjson'));
    }, 60_000);
    p.child.kill('SIGKILL');
    await p.done;
    const dir = ws.onlyRun();
    const crashedId = path.basename(subrunFolders(dir).at(-1)!);
    const resumed = await ws.cli(['run', '--resume', path.basename(dir), '--yes'], { limitMs: 120_000 });
    expect(resumed.stdout).toContain(`crashed: ${crashedId}`);
    const crashed = readJson(path.join(dir, 'subruns', crashedId, 'summary.json'));
    expect(crashed.status).toBe('crashed');
    const b = readJson(path.join(dir, 'boundary.json'));
    const column = b.columns.find((c: any) => c.axes.freq_mhz === crashed.point.freq_mhz);
    const point = column.points.find((x: any) => x.value === crashed.point.vcore_mv);
    expect(point.fails).toBeGreaterThanOrEqual(1);
    expect(point.subruns).toContain(crashedId);
  }, 300_000);

  it('an out-of-bounds candidate point refuses the run (exit 3) before anything runs', async () => {
    ws = edgeWorkspace();
    const r = await ws.run('edge', 'too_low');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/-p\d+: .*650/);
    expect(readdirSync(ws.runs).filter((d) => d.startsWith('rr-'))).toEqual([]);
    expect(ws.railHistory('vcore_mv')).toEqual([]);
  });

  it('coarse-fine without coarse_step is an input error naming the file and line', async () => {
    ws = edgeWorkspace();
    const r = await ws.cli(['plan', '--flow', 'edge', '--margin', 'coarse_no_step']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/coarse_no_step\.yaml:\d+.*coarse_step/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('plan shows the strategy, the lattice and the probe estimates; plan --json carries them', async () => {
    ws = edgeWorkspace();
    const r = await ws.cli(['plan', '--flow', 'edge', '--margin', 'edge_search']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/search: edge for the lowest passing vcore_mv, resolution 10; confirm 2, retest 1, guard_band 20/);
    expect(r.stdout).toMatch(/lattice \(25 values of vcore_mv, from the safe end\): 1000, 990/);
    expect(r.stdout).toMatch(/probes: expected [\d.]+ \([\d.]+% of the grid\), worst case \d+/);
    const j = await ws.cli(['plan', '--flow', 'edge', '--margin', 'edge_search', '--json']);
    const plan = JSON.parse(j.stdout);
    expect(plan.search.columns.map((c: any) => c.key)).toEqual(['freq_mhz=2000', 'freq_mhz=2400', 'freq_mhz=2800']);
    expect(plan.search.columns[0].lattice[0]).toBe(1000);
    expect(plan.search.worst_case).toBeGreaterThan(plan.search.expected);
    expect(plan.subruns).toHaveLength(75);
  });
});
