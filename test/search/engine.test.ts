import { describe, expect, it } from 'vitest';
import { boundaryOf, gridBoundary, nextProbe, probeEstimate, probeSeed } from '../../src/search/engine.js';
import type { ProbeRecord, SearchColumn } from '../../src/search/types.js';
import { drive, lattice, monotoneDown, spec } from './drive.js';

const vLattice = lattice(1000, -10, 20); // 1000 … 810 mV, safe end first
const oneColumn: SearchColumn[] = [{ key: 'freq_mhz=2000', axes: { freq_mhz: 2000 }, lattice: vLattice }];

describe('each strategy on a monotone part', () => {
  for (const strategy of ['linear', 'binary', 'coarse-fine', 'edge'] as const) {
    it(`${strategy} finds Vmin 900 exactly and only probes lattice values`, () => {
      const s = spec({ strategy, coarse_step: 40 });
      const history = drive(s, oneColumn, monotoneDown({ 'freq_mhz=2000': 900 }));
      for (const r of history) expect(vLattice).toContain(r.value);
      const column = boundaryOf(s, oneColumn, history, 'R1').columns[0]!;
      expect(column).toMatchObject({ confirmed: 900, raw: 900, last_pass: 900, first_fail: 890, flaky: [], holes: [], probes: history.length });
    });
  }

  it('linear walks every point from the safe end down to the first fail', () => {
    const history = drive(spec({ strategy: 'linear' }), oneColumn, monotoneDown({ 'freq_mhz=2000': 950 }));
    expect(history.map((r) => r.value)).toEqual([1000, 990, 980, 970, 960, 950, 940]);
  });

  it('binary probes the safe end first, then bisects', () => {
    const history = drive(spec({ strategy: 'binary' }), oneColumn, monotoneDown({ 'freq_mhz=2000': 950 }));
    expect(history.map((r) => r.value)).toEqual([1000, 900, 950, 930, 940]);
  });

  it('coarse-fine never lands more than one coarse step past the edge', () => {
    const s = spec({ strategy: 'coarse-fine', coarse_step: 40 });
    for (const vmin of vLattice) {
      const history = drive(s, oneColumn, monotoneDown({ 'freq_mhz=2000': vmin }));
      const deepest = Math.min(...history.map((r) => r.value));
      expect(vmin - deepest).toBeLessThanOrEqual(40);
      expect(boundaryOf(s, oneColumn, history, 'R').columns[0]!.confirmed).toBe(vmin);
    }
  });

  it('a column whose safe end fails has a null boundary after one probe', () => {
    for (const strategy of ['linear', 'binary', 'coarse-fine', 'edge'] as const) {
      const history = drive(spec({ strategy }), oneColumn, () => 'fail');
      expect(history).toHaveLength(1);
      expect(boundaryOf(spec({ strategy }), oneColumn, history, 'R').columns[0]).toMatchObject({ raw: null, confirmed: null, guard_banded: null, last_pass: null, first_fail: 1000 });
    }
  });

  it('a part that passes everywhere ends at the far end with no first fail', () => {
    const history = drive(spec({ strategy: 'binary' }), oneColumn, () => 'pass');
    expect(boundaryOf(spec(), oneColumn, history, 'R').columns[0]).toMatchObject({ confirmed: 810, first_fail: null });
  });

  it('stops once last pass and first fail are within the resolution', () => {
    const s = spec({ strategy: 'binary', resolution: 30 });
    const history = drive(s, oneColumn, monotoneDown({ 'freq_mhz=2000': 900 }));
    const column = boundaryOf(s, oneColumn, history, 'R').columns[0]!;
    expect(column.first_fail! - 900).toBeLessThanOrEqual(0);
    expect(column.last_pass! - column.first_fail!).toBeLessThanOrEqual(30);
    expect(column.last_pass).toBeGreaterThanOrEqual(900);
  });
});

describe('edge', () => {
  const freqs = [1000, 1500, 2000, 2500];
  const columns: SearchColumn[] = freqs.map((f) => ({ key: `freq_mhz=${f}`, axes: { freq_mhz: f }, lattice: vLattice }));
  const vmin = { 'freq_mhz=1000': 860, 'freq_mhz=1500': 880, 'freq_mhz=2000': 890, 'freq_mhz=2500': 850 };

  it('starts each column one step on the safe side of the previous column boundary and walks to its own', () => {
    const s = spec({ strategy: 'edge' });
    const history = drive(s, columns, monotoneDown(vmin));
    const firsts = freqs.slice(1).map((f) => history.find((r) => r.column === `freq_mhz=${f}`)!.value);
    expect(firsts).toEqual([870, 890, 900]);
    expect(boundaryOf(s, columns, history, 'R').columns.map((c) => c.confirmed)).toEqual([860, 880, 890, 850]);
    // Following columns cost a handful of probes, not a bisection each: 870 fails, 880 passes.
    expect(history.filter((r) => r.column === 'freq_mhz=1500').map((r) => r.value)).toEqual([870, 880]);
    // 2500 (Vmin 850) is reached from the passing side, one step at a time: 900 … 850 pass, 840 fails.
    expect(history.filter((r) => r.column === 'freq_mhz=2500').map((r) => r.value)).toEqual([900, 890, 880, 870, 860, 850, 840]);
  });

  it('searches columns in the given order, one after another', () => {
    const history = drive(spec({ strategy: 'edge' }), columns, monotoneDown(vmin));
    const order = history.map((r) => r.column).filter((c, i, all) => all[i - 1] !== c);
    expect(order).toEqual(columns.map((c) => c.key));
  });
});

describe('confirm and retest', () => {
  it('a pass needs `confirm` passes in a row; a fail gets `retest` more runs', () => {
    const s = spec({ strategy: 'linear', confirm: 3, retest: 2 });
    const history = drive(s, oneColumn, monotoneDown({ 'freq_mhz=2000': 990 }));
    expect(history.map((r) => [r.value, r.purpose, r.outcome])).toEqual([
      [1000, 'probe', 'pass'], [1000, 'confirm', 'pass'], [1000, 'confirm', 'pass'],
      [990, 'probe', 'pass'], [990, 'confirm', 'pass'], [990, 'confirm', 'pass'],
      [980, 'probe', 'fail'], [980, 'retest', 'fail'], [980, 'retest', 'fail'],
    ]);
  });

  it('attempt counts earlier runs of the same point', () => {
    const s = spec({ strategy: 'linear', confirm: 2, retest: 1 });
    const seen: number[] = [];
    drive(s, oneColumn, (r) => { seen.push(r.attempt); return r.value >= 990 ? 'pass' : 'fail'; });
    expect(seen).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('a point that both passes and fails is flaky and does not count as a pass', () => {
    const s = spec({ strategy: 'linear', confirm: 3, retest: 2 });
    // 980 passes twice, then fails, then passes its retests: flaky, 1 of 5 failed.
    const script = new Map<string, 'pass' | 'fail'>([['980|2', 'fail']]);
    const history = drive(s, oneColumn, (r) => script.get(`${r.value}|${r.attempt}`) ?? (r.value >= 980 ? 'pass' : 'fail'));
    const column = boundaryOf(s, oneColumn, history, 'R').columns[0]!;
    expect(column.flaky).toEqual([980]);
    expect(column.points.find((p) => p.value === 980)).toMatchObject({ verdict: 'flaky', passes: 4, fails: 1 });
    expect(column).toMatchObject({ confirmed: 990, first_fail: 980, raw: 980 });
  });

  it('guard band moves the confirmed boundary to the safe side (up for Vmin, down for Fmax)', () => {
    const down = spec({ strategy: 'binary', guard_band: 20 });
    const h = drive(down, oneColumn, monotoneDown({ 'freq_mhz=2000': 900 }));
    expect(boundaryOf(down, oneColumn, h, 'R').columns[0]!.guard_banded).toBe(920);
    const fLattice = lattice(1000, 100, 20); // 1000 … 2900 MHz, safe end (low) first
    const fColumns: SearchColumn[] = [{ key: '', axes: {}, lattice: fLattice }];
    const up = spec({ rail: 'freq_mhz', direction: 'up', strategy: 'binary', guard_band: 150 });
    const hu = drive(up, fColumns, (r) => (r.value <= 2300 ? 'pass' : 'fail'));
    expect(boundaryOf(up, fColumns, hu, 'R').columns[0]).toMatchObject({ confirmed: 2300, guard_banded: 2150, first_fail: 2400 });
  });
});

describe('holes', () => {
  it('a pass beyond a confirmed fail is a hole, retested, and does not move the boundary', () => {
    const s = spec({ strategy: 'linear', confirm: 1, retest: 1 });
    // History so far: 1000 pass, 990 fail ×2, and (e.g. from an earlier probe order) 950 passed once.
    const history: ProbeRecord[] = [
      { column: 'freq_mhz=2000', value: 1000, purpose: 'probe', outcome: 'pass' },
      { column: 'freq_mhz=2000', value: 950, purpose: 'probe', outcome: 'pass' },
      { column: 'freq_mhz=2000', value: 990, purpose: 'probe', outcome: 'fail' },
      { column: 'freq_mhz=2000', value: 990, purpose: 'retest', outcome: 'fail' },
    ];
    expect(nextProbe(s, oneColumn, history)).toEqual({ column: 'freq_mhz=2000', value: 950, purpose: 'retest', attempt: 1 });
    history.push({ column: 'freq_mhz=2000', value: 950, purpose: 'retest', outcome: 'pass' });
    expect(nextProbe(s, oneColumn, history)).toBeNull();
    const column = boundaryOf(s, oneColumn, history, 'R').columns[0]!;
    expect(column).toMatchObject({ confirmed: 1000, first_fail: 990, holes: [950] });
  });

  it('a grid read as probes keeps its holes and flaky points', () => {
    const columns: SearchColumn[] = [{ key: 'f=1', axes: { f: 1 }, lattice: [900, 880, 860, 840] }];
    const outcomes = { 900: 'pass', 880: 'fail', 860: 'pass', 840: 'fail' } as const;
    const history: ProbeRecord[] = columns[0]!.lattice.map((value) => ({ column: 'f=1', value, purpose: 'grid', outcome: outcomes[value as 900] }));
    const file = gridBoundary('vcore_mv', 'down', columns, history, 'G1');
    expect(file).toMatchObject({ format: 'road_runner.boundary/1', run_id: 'G1', strategy: 'grid', resolution: 20, guard_band: 0 });
    expect(file.columns[0]).toMatchObject({ axes: { f: 1 }, raw: 900, confirmed: 900, guard_banded: 900, last_pass: 900, first_fail: 880, probes: 4, holes: [860], flaky: [] });
  });
});

describe('determinism and seeds', () => {
  it('the same history gives the same next probe; a replayed prefix continues identically', () => {
    const s = spec({ strategy: 'edge', confirm: 2, retest: 2 });
    const columns: SearchColumn[] = [1, 2, 3].map((f) => ({ key: `f=${f}`, axes: { f }, lattice: vLattice }));
    const part = (r: { column: string; value: number; attempt: number }) => (probeSeed(7, r.column, r.value, r.attempt) % 5 === 0 || r.value < 880 ? 'fail' : 'pass') as 'pass' | 'fail';
    const full = drive(s, columns, part);
    for (const cut of [0, 3, Math.floor(full.length / 2), full.length - 1]) {
      const resumed = drive(s, columns, part, 100_000);
      expect(resumed).toEqual(full);
      const prefix = full.slice(0, cut);
      expect(nextProbe(s, columns, prefix)).toMatchObject({ column: full[cut]!.column, value: full[cut]!.value, purpose: full[cut]!.purpose });
    }
  });

  it('probeSeed is a stable 32-bit number that differs per attempt, point and global seed', () => {
    const a = probeSeed(42, 'freq_mhz=2000', 900, 0);
    expect(Number.isInteger(a) && a >= 0 && a < 2 ** 32).toBe(true);
    expect(probeSeed(42, 'freq_mhz=2000', 900, 0)).toBe(a);
    expect(new Set([a, probeSeed(42, 'freq_mhz=2000', 900, 1), probeSeed(42, 'freq_mhz=2000', 890, 0), probeSeed(43, 'freq_mhz=2000', 900, 0), probeSeed(42, 'freq_mhz=2400', 900, 0)]).size).toBe(5);
  });
});

describe('probeEstimate', () => {
  it('expected ≤ worst case, and binary beats linear on a long lattice', () => {
    const long: SearchColumn[] = [{ key: '', axes: {}, lattice: lattice(1200, -5, 64) }];
    const lin = probeEstimate(spec({ strategy: 'linear' }), long);
    const bin = probeEstimate(spec({ strategy: 'binary' }), long);
    expect(lin.expected).toBeLessThanOrEqual(lin.worstCase);
    expect(bin.expected).toBeLessThanOrEqual(bin.worstCase);
    expect(bin.worstCase).toBe(7);
    expect(bin.expected).toBeLessThan(lin.expected);
    expect(lin.worstCase).toBe(64);
  });

  it('confirm and retest multiply the worst case', () => {
    const cols: SearchColumn[] = [{ key: '', axes: {}, lattice: lattice(1200, -5, 64) }];
    expect(probeEstimate(spec({ strategy: 'binary', confirm: 3, retest: 2 }), cols).worstCase).toBe(7 * 5);
  });
});
