// `diff` of two runs that both have boundary.json: per column, how far the confirmed and
// guard-banded boundary moved (B − A, rail units) and toward which side, in the --json data
// and the text; runs without boundary.json, or searched differently, report no movement.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareBoundaryFiles } from '../../src/runs/boundaryDiff.js';
import { diffRuns } from '../../src/runs/diff.js';
import { renderDiff } from '../../src/runs/diffText.js';
import type { BoundaryFile } from '../../src/search/types.js';
import { boundarySweep, makeRunId, makeWorkspace, removeWorkspace, writeRun } from './builders.js';

const A = makeRunId(new Date('2024-02-01T10:00:00Z'), 'aaaaaa');
const B = makeRunId(new Date('2024-02-02T10:00:00Z'), 'bbbbbb');
const vcores = [800, 850, 900, 950, 1000];
const freqs = [2000, 2400, 2800];

let root: string;
beforeEach(() => {
  root = makeWorkspace();
});
afterEach(() => removeWorkspace(root));

function boundary(runId: string, vmin: Record<number, number | null>, direction: 'down' | 'up' = 'down', rail = 'vcore_mv'): BoundaryFile {
  return {
    format: 'road_runner.boundary/1', run_id: runId, rail, direction, strategy: 'grid', resolution: 50, guard_band: 20,
    columns: Object.entries(vmin).map(([f, v]) => ({
      axes: { freq_mhz: Number(f) }, raw: v, confirmed: v, guard_banded: v === null ? null : v + 20, last_pass: v, first_fail: v === null ? 1000 : v - 50,
      probes: 5, points: [], flaky: [], holes: [],
    })),
  };
}

function writePair(a: BoundaryFile | null, b: BoundaryFile | null): void {
  const vminA = (f: number) => (f === 2000 ? 850 : f === 2400 ? 900 : 950);
  const vminB = (f: number) => (f === 2000 ? 850 : f === 2400 ? 950 : 900);
  const dirA = writeRun(root, { runId: A, subruns: boundarySweep(vcores, freqs, vminA) });
  const dirB = writeRun(root, { runId: B, subruns: boundarySweep(vcores, freqs, vminB) });
  if (a) writeFileSync(join(dirA, 'boundary.json'), JSON.stringify(a));
  if (b) writeFileSync(join(dirB, 'boundary.json'), JSON.stringify(b));
}

describe('boundary movement', () => {
  it('per column: B − A in rail units, toward the safe side when Vmin rose, the far side when it fell', async () => {
    writePair(boundary(A, { 2000: 850, 2400: 900, 2800: 950 }), boundary(B, { 2000: 850, 2400: 950, 2800: 900 }));
    const d = await diffRuns(root, A, B);
    expect(d.boundary).not.toBeNull();
    const moves = d.boundary!.columns.map((c) => [c.key, c.confirmed.delta, c.confirmed.toward, c.guard_banded.a, c.guard_banded.b, c.guard_banded.toward]);
    expect(moves).toEqual([
      ['freq_mhz=2000', 0, 'none', 870, 870, 'none'],
      ['freq_mhz=2400', 50, 'safe', 920, 970, 'safe'],
      ['freq_mhz=2800', -50, 'far', 970, 920, 'far'],
    ]);
    // --json prints the RunDiff as is: the movement is in it.
    const json = JSON.parse(JSON.stringify(d)) as typeof d;
    expect(json.boundary!.columns[1]!.confirmed).toEqual({ a: 900, b: 950, delta: 50, toward: 'safe' });
    const text = renderDiff(d).join('\n');
    expect(text).toContain('boundary: Vmin (lowest passing vcore_mv) per column');
    expect(text).toContain('freq_mhz=2400: confirmed 900 → 950 (+50 toward safe side (less margin)), guard-banded 920 → 970 (+50 toward safe side (less margin))');
    expect(text).toContain('freq_mhz=2800: confirmed 950 → 900 (-50 toward far side (more margin))');
    expect(text).toContain('freq_mhz=2000: confirmed 850 → 850 (unchanged)');
  });

  it('a column that never passed in one run is not comparable; columns only in one run are listed', async () => {
    writePair(boundary(A, { 2000: 850, 2400: 900 }), boundary(B, { 2000: null, 2800: 900 }));
    const d = await diffRuns(root, A, B);
    expect(d.boundary!.columns).toHaveLength(1);
    expect(d.boundary!.columns[0]!.confirmed).toEqual({ a: 850, b: null, delta: null, toward: null });
    expect(d.boundary!.only_in_a).toEqual(['freq_mhz=2400']);
    expect(d.boundary!.only_in_b).toEqual(['freq_mhz=2800']);
    const text = renderDiff(d).join('\n');
    expect(text).toContain('confirmed 850 → never passed (not comparable)');
    expect(text).toContain('columns only in A: freq_mhz=2400');
  });

  it('without boundary.json in both runs: no boundary section, and the rest of the diff is unchanged', async () => {
    writePair(boundary(A, { 2000: 850 }), null);
    const d = await diffRuns(root, A, B);
    expect(d.boundary).toBeNull();
    expect(d.changed_points.length).toBe(2);
    expect(renderDiff(d).join('\n')).not.toContain('boundary:');
  });

  it('a damaged boundary.json is a warning, not a crash', async () => {
    writePair(boundary(A, { 2000: 850 }), boundary(B, { 2000: 850 }));
    writeFileSync(join(root, 'runs', B, 'boundary.json'), '{"rail": "vcore_mv", "direction": "down", "columns": [{"axes": {}}]}');
    const d = await diffRuns(root, A, B);
    expect(d.boundary).toBeNull();
    expect(d.warnings.join('\n')).toMatch(/boundary not compared: .*boundary\.json: columns\[0\]\.raw must be a number or null/);
  });
});

describe('compareBoundaryFiles', () => {
  it('searching up (Fmax), a fall is toward the safe side', () => {
    const d = compareBoundaryFiles(boundary('a', { 2000: 3000 }, 'up', 'freq_mhz'), boundary('b', { 2000: 2900 }, 'up', 'freq_mhz'), []);
    expect(d!.columns[0]!.confirmed).toEqual({ a: 3000, b: 2900, delta: -100, toward: 'safe' });
  });

  it('different rails or directions are not compared, and say why', () => {
    const warnings: string[] = [];
    expect(compareBoundaryFiles(boundary('a', { 2000: 850 }), boundary('b', { 2000: 850 }, 'up'), warnings)).toBeNull();
    expect(warnings).toEqual(['boundary not compared: A searched vcore_mv down, B searched vcore_mv up']);
  });
});
