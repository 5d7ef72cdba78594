// explore: single's two tuning options: `screen` (single runs at the point past a confirmed pass
// before it is confirmed) and `trend_min` (edge's start follows the boundaries' line only once
// that many are known). Engine rules on deterministic parts, properties on random ones, the
// effect on the flaky simulated part, and the options from YAML through `plan`.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictEdgeStart } from '../../src/search/columnSearch.js';
import { boundaryOf, nextProbe, probeEstimate } from '../../src/search/engine.js';
import type { ProbeRecord, SearchColumn, SearchSpec } from '../../src/search/types.js';
import { createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { drive, lattice, monotoneDown, scoreOnFlakyParts, spec } from './drive.js';

const vLattice = lattice(1000, -10, 20); // 1000 … 810 mV
const columnsOf = (freqs: number[]): SearchColumn[] => freqs.map((f) => ({ key: `f=${f}`, axes: { f }, lattice: vLattice }));
const single = (overrides: Partial<SearchSpec>) => spec({ explore: 'single', resolution: 10, ...overrides });
const steps = (history: readonly ProbeRecord[]) => history.map((r) => `${r.value}${r.purpose === 'probe' ? '?' : ''}${r.outcome === 'pass' ? '+' : '-'}`);

describe('screen', () => {
  it('screens the point past a confirmed pass with single runs; a screening fail decides it', () => {
    const s = single({ strategy: 'edge', confirm: 2, screen: 1 });
    const columns = columnsOf([1, 2]);
    const history = drive(s, columns, monotoneDown({ 'f=1': 900, 'f=2': 880 }));
    // Column 2 starts at column 1's boundary (900, not screened: nothing is confirmed yet), confirms
    // it, screens 890 and 880 once each before confirming them, and 870's screening fail ends it.
    expect(steps(history.filter((r) => r.column === 'f=2'))).toEqual(['900+', '900+', '890?+', '890+', '890+', '880?+', '880+', '880+', '870?-']);
    expect(boundaryOf(s, columns, history, 'R').columns[1]).toMatchObject({ confirmed: 880, first_fail: 870, holes: [] });
  });

  it('a screening pass does not count towards confirm; screening stops once the point has a confirming run', () => {
    const s = single({ strategy: 'edge', confirm: 2, screen: 2 });
    const columns = columnsOf([1, 2]);
    const at = (value: number, purpose: ProbeRecord['purpose'], outcome: ProbeRecord['outcome']): ProbeRecord => ({ column: 'f=2', value, purpose, outcome });
    const first = drive(s, [columns[0]!], monotoneDown({ 'f=1': 900 }));
    const walk = [...first, at(900, 'confirm', 'pass'), at(900, 'confirm', 'pass')];
    expect(nextProbe(s, columns, walk)).toEqual({ column: 'f=2', value: 890, purpose: 'probe', attempt: 0 });
    walk.push(at(890, 'probe', 'pass'));
    expect(nextProbe(s, columns, walk)).toEqual({ column: 'f=2', value: 890, purpose: 'probe', attempt: 1 });
    walk.push(at(890, 'probe', 'pass'));
    // Two screening passes, still two confirming passes to go.
    expect(nextProbe(s, columns, walk)).toEqual({ column: 'f=2', value: 890, purpose: 'confirm', attempt: 2 });
    walk.push(at(890, 'confirm', 'pass'));
    expect(nextProbe(s, columns, walk)).toEqual({ column: 'f=2', value: 890, purpose: 'confirm', attempt: 3 });
    walk.push(at(890, 'confirm', 'fail'));
    // A fail while confirming: 890 is flaky, the bracket 900 | 890 is closed.
    expect(nextProbe(s, columns, walk)).toBeNull();
    expect(boundaryOf(s, columns, walk, 'R').columns[1]).toMatchObject({ confirmed: 900, first_fail: 890, flaky: [890] });
  });

  it('a start that fails climbs back without screening: the points it climbs to are not past a confirmed pass', () => {
    const s = single({ strategy: 'edge', confirm: 2, screen: 3 });
    const up = drive(s, columnsOf([1, 2, 3]), monotoneDown({ 'f=1': 880, 'f=2': 890, 'f=3': 920 })).filter((r) => r.column === 'f=3');
    expect(steps(up)).toEqual(['900-', '910-', '920+', '920+']);
  });

  it('the worst case covers the screening runs on any monotone part, and the boundary stays exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.array(fc.integer({ min: -1, max: 19 }), { minLength: 1, maxLength: 5 }),
        (screen, confirm, retest, truth) => {
          const s = single({ strategy: 'edge', confirm, retest, screen, trend_min: 3 });
          const columns = columnsOf(truth.map((_, i) => i));
          const history = drive(s, columns, (r) => (vLattice.indexOf(r.value) <= truth[r.column === '' ? 0 : Number(r.column.slice(2))]! ? 'pass' : 'fail'));
          expect(history.length).toBeLessThanOrEqual(probeEstimate(s, columns).worstCase);
          boundaryOf(s, columns, history, 'R').columns.forEach((c, i) => expect(c.confirmed).toBe(truth[i] === -1 ? null : vLattice[truth[i]!]));
        }),
      { numRuns: 100 },
    );
  });
});

describe('trend_min', () => {
  it('predictEdgeStart trusts the line only from trend_min boundaries on', () => {
    expect(predictEdgeStart([30, 28, 26], 64, 4)).toBe(26);
    expect(predictEdgeStart([30, 28, 26, 24], 64, 4)).toBe(22);
    expect(predictEdgeStart([30, 28, 26], 64)).toBe(24); // the default, 2
  });

  it('edge starts at the previous boundary until trend_min boundaries are known, then where their line points', () => {
    const freqs = [1, 2, 3, 4, 5];
    const columns = columnsOf(freqs);
    const s = single({ strategy: 'edge', confirm: 2, trend_min: 4 });
    const history = drive(s, columns, monotoneDown(Object.fromEntries(freqs.map((f) => [`f=${f}`, 840 + 20 * f]))));
    const firsts = freqs.map((f) => history.find((r) => r.column === `f=${f}`)!);
    expect(firsts.slice(1).map((r) => r.value)).toEqual([860, 880, 900, 940]);
    expect(boundaryOf(s, columns, history, 'R').columns.map((c) => c.confirmed)).toEqual([860, 880, 900, 920, 940]);
  });
});

describe('on the flaky simulated part (64 × 16, 15 mV band failing one run in five)', () => {
  it('screen 2 and trend_min 4 escape less than the plain walk at confirm 11, for about the same probes', () => {
    const score = (s: SearchSpec) => scoreOnFlakyParts(s, 601, 625);
    const base = { strategy: 'edge' as const, resolution: 5, confirm: 11, retest: 0 };
    const plain = score(single(base));
    const tuned = score(single({ ...base, screen: 2, trend_min: 4 }));
    expect(tuned.escapes).toBeLessThan(plain.escapes);
    expect(tuned.escapes).toBeLessThan(0.1);
    expect(tuned.probes).toBeLessThan(plain.probes + 5);
    expect(tuned.probes).toBeLessThan(0.3 * 1024);
  });
});

describe('screen and trend_min from YAML', () => {
  let ws: TestWorkspace;
  const margin = (search: Record<string, unknown>) => ({
    global_seed: 5,
    targets: { default: { vcore_mv: { sweep: { start: 900, stop: 800, step: -10 } }, freq_mhz: { values: [2000, 2400] } } },
    search: { rail: 'vcore_mv', resolution: 10, ...search },
  });
  beforeAll(() => {
    ws = createWorkspace({
      flows: { one_step: { steps: [{ id: 'ok', adapter: 'pass' }] } },
      margins: {
        tuned: margin({ strategy: 'edge', explore: 'single', confirm: 3, screen: 2, trend_min: 4 }),
        screen_confirmed: margin({ strategy: 'edge', confirm: 3, screen: 1 }),
        trend_binary: margin({ strategy: 'binary', explore: 'single', trend_min: 3 }),
      },
    });
  });
  afterAll(() => ws.dispose());

  it('plan shows them and plan --json carries them in the spec', async () => {
    const r = await ws.cli(['plan', '--flow', 'one_step', '--margin', 'tuned']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/confirm 3, retest 0, guard_band 0, explore single, screen 2, trend_min 4/);
    const j = await ws.cli(['plan', '--flow', 'one_step', '--margin', 'tuned', '--json']);
    const spec = JSON.parse(j.stdout).search.spec;
    expect(spec).toMatchObject({ explore: 'single', screen: 2, trend_min: 4 });
  });

  it('screen without explore: single, or trend_min outside edge with explore: single, is an input error naming file and line', async () => {
    const a = await ws.cli(['plan', '--flow', 'one_step', '--margin', 'screen_confirmed']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/screen_confirmed\.yaml:\d+.*screen/);
    expect(a.stderr).toMatch(/explore: single/);
    const b = await ws.cli(['plan', '--flow', 'one_step', '--margin', 'trend_binary']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/trend_binary\.yaml:\d+.*trend_min/);
    expect(`${a.stderr}${b.stderr}`).not.toMatch(/at .*\.js:\d+/);
  });
});
