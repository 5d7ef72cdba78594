// The shmoo's grid model, in memory: point verdicts from sub-run outcomes, cells implied by a
// boundary, where the boundary line sits in each column, the text shmoo's characters, and the
// SVG marks that keep states apart without colour.

import { describe, expect, test } from 'vitest';
import type { SubrunOutcome } from '../../src/report/outcome.js';
import { judgePoint, judgeShmoo, placeEdge } from '../../src/report/shmooCells.js';
import { orderAxesForBoundary, placeSubruns, type ShmooPoint } from '../../src/report/shmooGrid.js';
import { layoutShmoo } from '../../src/report/shmooSvg.js';
import { drawShmooText } from '../../src/report/shmooText.js';
import type { BoundaryFile } from '../../src/search/types.js';

const pt = (outcome: SubrunOutcome, i = 0): ShmooPoint => ({ id: `rr-x-s${String(i).padStart(2, '0')}`, outcome, point: {} });
const VOLTS = [800, 825, 850, 875, 900];
const FREQS = [2000, 2400];
const axes = [{ name: 'vcore_mv', values: VOLTS }, { name: 'freq_mhz', values: FREQS }];

function probe(v: number, f: number, outcome: SubrunOutcome, i: number): ShmooPoint {
  return { id: `rr-x-s${String(i).padStart(2, '0')}`, outcome, point: { vcore_mv: v, freq_mhz: f } };
}

function boundaryOf(columns: { f: number; lastPass: number | null; firstFail: number | null }[], direction: 'down' | 'up' = 'down'): BoundaryFile {
  return {
    format: 'road_runner.boundary/1', run_id: 'rr-x', rail: 'vcore_mv', direction, strategy: 'binary', resolution: 25, guard_band: 20,
    columns: columns.map((c) => ({
      axes: { freq_mhz: c.f }, raw: c.lastPass, confirmed: c.lastPass, guard_banded: c.lastPass === null ? null : c.lastPass + 20,
      last_pass: c.lastPass, first_fail: c.firstFail, probes: 3, points: [], flaky: [], holes: [],
    })),
  };
}

describe('point verdicts', () => {
  test('pass, marginal, fail, flaky with k of n, error, untested', () => {
    expect(judgePoint([pt('passed')]).state).toBe('pass');
    expect(judgePoint([pt('passed'), pt('marginal')]).state).toBe('marginal');
    expect(judgePoint([pt('timeout')]).state).toBe('fail');
    expect(judgePoint([pt('crashed')]).state).toBe('fail');
    expect(judgePoint([pt('passed'), pt('failed'), pt('failed')])).toEqual({ state: 'flaky', passes: 1, fails: 2 });
    expect(judgePoint([pt('error'), pt('interrupted')]).state).toBe('error');
    // An error next to a real verdict does not hide the verdict.
    expect(judgePoint([pt('error'), pt('failed')]).state).toBe('fail');
    expect(judgePoint([pt('planned')]).state).toBe('untested');
  });
});

describe('search run with boundary.json', () => {
  // Column 2000: probed 900 pass, 850 pass, 825 fail → last pass 850, first fail 825.
  // Column 2400: probed 900 pass, 875 flaky (pass, fail, fail) → last pass 900, first fail 875.
  const points = [
    probe(900, 2000, 'passed', 0), probe(850, 2000, 'passed', 1), probe(825, 2000, 'failed', 2),
    probe(900, 2400, 'passed', 3), probe(875, 2400, 'passed', 4), probe(875, 2400, 'failed', 5), probe(875, 2400, 'failed', 6),
  ];
  const boundary = boundaryOf([{ f: 2000, lastPass: 850, firstFail: 825 }, { f: 2400, lastPass: 900, firstFail: 875 }]);
  const judged = judgeShmoo(placeSubruns(axes, points), boundary);
  const panel = judged.panels[0]!;
  const stateAt = (v: number, f: number) => panel.cells.find((c) => c.row === VOLTS.indexOf(v) && c.col === FREQS.indexOf(f))?.state ?? null;

  test('tested cells carry their verdicts, untested ones what the boundary implies', () => {
    expect(judged.source).toBe('boundary.json');
    expect(stateAt(900, 2000)).toBe('pass');
    expect(stateAt(875, 2000)).toBe('inferred-pass');
    expect(stateAt(825, 2000)).toBe('fail');
    expect(stateAt(800, 2000)).toBe('inferred-fail');
    expect(stateAt(875, 2400)).toBe('flaky');
    expect(stateAt(850, 2400)).toBe('inferred-fail');
    // Every lattice point has a cell: nothing between last pass and first fail is left blank here.
    expect(panel.cells).toHaveLength(VOLTS.length * FREQS.length);
  });

  test('the line sits under the last pass of each column', () => {
    expect(panel.edges).toEqual([
      { col: 0, edge: 2, atEnd: false, lastPass: 850, firstFail: 825 },
      { col: 1, edge: 4, atEnd: false, lastPass: 900, firstFail: 875 },
    ]);
  });

  test('the text shmoo: upper case tested, lower case inferred, ~ flaky, ─ under the last pass', () => {
    const lines = drawShmooText(judged, 'freq_mhz', 'vcore_mv')[0]!.lines;
    const body = lines.slice(3);
    expect(body).toEqual([
      '     900 |    P    P',
      '         |      ────',
      '     875 |    p    ~',
      '     850 |    P    f',
      '         | ────',
      '     825 |    F    f',
      '     800 |    f    f',
    ]);
  });

  test('SVG: links to the first sub-run, a split and k/n for flaky, hatched inferred cells unlinked, one boundary path', () => {
    const [svg] = layoutShmoo(judged, 'freq_mhz', 'vcore_mv');
    const flaky = svg!.cells.find((c) => c.state === 'flaky')!;
    expect(flaky.href).toBe('#subrun-rr-x-s04');
    expect(flaky.split).not.toBeNull();
    expect(flaky.label).toBe('2/3');
    expect(flaky.title).toContain('flaky: failed 2 of 3');
    const inferred = svg!.cells.filter((c) => c.state.startsWith('inferred'));
    expect(inferred.length).toBe(5);
    expect(inferred.every((c) => c.href === null && c.id === null)).toBe(true);
    expect(svg!.boundary!.solid).toMatch(/^M[\d.]+ [\d.]+H[\d.]+V[\d.]+M/);
    expect(svg!.boundary!.atEnd).toBe('');
  });
});

test('a column that never failed, and one that never passed: the line at the lattice end, dashed', () => {
  const points = [probe(800, 2000, 'passed', 0), probe(900, 2400, 'failed', 1)];
  const judged = judgeShmoo(placeSubruns(axes, points), boundaryOf([{ f: 2000, lastPass: 800, firstFail: null }, { f: 2400, lastPass: null, firstFail: 900 }]));
  expect(judged.panels[0]!.edges.map((e) => [e.edge, e.atEnd])).toEqual([[0, true], [5, true]]);
  const [svg] = layoutShmoo(judged, 'freq_mhz', 'vcore_mv');
  expect(svg!.boundary!.solid).toBe('');
  expect(svg!.boundary!.atEnd).not.toBe('');
});

test('searching up (Fmax-like): passes below the line, inferred cells mirrored', () => {
  const panel = placeSubruns(axes, []).panels[0]!;
  expect(placeEdge(panel, 0, 850, 875, 'up')).toMatchObject({ edge: 3, atEnd: false });
  expect(placeEdge(panel, 0, null, 800, 'up')).toMatchObject({ edge: 0, atEnd: true });
  const judged = judgeShmoo(placeSubruns(axes, [probe(850, 2000, 'passed', 0), probe(875, 2000, 'failed', 1)]),
    boundaryOf([{ f: 2000, lastPass: 850, firstFail: 875 }], 'up'));
  const col0 = judged.panels[0]!.cells.filter((c) => c.col === 0).sort((a, b) => a.row - b.row).map((c) => c.state);
  expect(col0).toEqual(['inferred-pass', 'inferred-pass', 'pass', 'fail', 'inferred-fail']);
});

test('a grid without boundary.json: the line is read off the tested cells, nothing is inferred', () => {
  const vmin: Record<number, number> = { 2000: 825, 2400: 875 };
  const points = VOLTS.flatMap((v, i) => FREQS.map((f, j) => probe(v, f, v >= vmin[f]! ? 'passed' : 'failed', i * 2 + j)));
  const judged = judgeShmoo(placeSubruns(axes, points), null);
  expect(judged.source).toBe('grid');
  expect(judged.direction).toBe('down');
  expect(judged.panels[0]!.edges.map((e) => [e.lastPass, e.firstFail, e.edge])).toEqual([[825, 800, 1], [875, 850, 3]]);
  expect(judged.panels[0]!.cells.some((c) => c.state.startsWith('inferred'))).toBe(false);
});

test('the searched rail becomes the vertical axis whatever the plan order', () => {
  const ordered = orderAxesForBoundary([{ name: 'freq_mhz', values: FREQS }, { name: 'vcore_mv', values: VOLTS }], 'vcore_mv');
  expect(ordered.map((a) => a.name)).toEqual(['vcore_mv', 'freq_mhz']);
  expect(orderAxesForBoundary(ordered, 'vddq_mv')).toBe(ordered);
});

test('64 × 16: cells stay at least 12 × 10 px and row labels thin out without overlapping', () => {
  const volts = Array.from({ length: 64 }, (_, i) => 700 + 5 * i);
  const freqs = Array.from({ length: 16 }, (_, i) => 1600 + 100 * i);
  const points = volts.flatMap((v, i) => freqs.map((f, j) => probe(v, f, v >= 760 + j * 10 ? 'passed' : 'failed', i * 16 + j)));
  const judged = judgeShmoo(placeSubruns([{ name: 'vcore_mv', values: volts }, { name: 'freq_mhz', values: freqs }], points), null);
  const [svg] = layoutShmoo(judged, 'freq_mhz', 'vcore_mv');
  expect(Math.min(...svg!.cells.map((c) => c.h))).toBeGreaterThanOrEqual(9);
  expect(Math.min(...svg!.cells.map((c) => c.w))).toBeGreaterThanOrEqual(11);
  // Small cells get shapes, not letters: a × on every fail.
  expect(svg!.cells.filter((c) => c.state === 'fail').every((c) => c.mark !== null && c.label === null)).toBe(true);
  const rowLabels = svg!.labels.filter((l) => l.anchor === 'end').map((l) => l.y).sort((a, b) => a - b);
  expect(rowLabels.length).toBeLessThan(64);
  for (let i = 1; i < rowLabels.length; i++) expect(rowLabels[i]! - rowLabels[i - 1]!).toBeGreaterThanOrEqual(13);
  expect(judged.panels[0]!.edges).toHaveLength(16);
});
