import { describe, expect, it } from 'vitest';
import { boundaryOf, nextProbe } from '../../src/search/engine.js';
import { extrapolateLine, predictEdgeStart } from '../../src/search/columnSearch.js';
import type { ProbeRecord, SearchColumn, SearchSpec } from '../../src/search/types.js';
import { drive, lattice, monotoneDown, scoreOnFlakyParts, spec } from './drive.js';

const vLattice = lattice(1000, -10, 20); // 1000 … 810 mV
const oneColumn: SearchColumn[] = [{ key: 'f=1', axes: { f: 1 }, lattice: vLattice }];
const single = (overrides: Partial<SearchSpec>) => spec({ explore: 'single', ...overrides });

describe('explore: single', () => {
  it('explores with single runs, then confirms from two steps on the safe side down to the edge', () => {
    const s = single({ strategy: 'binary', confirm: 3 });
    const history = drive(s, oneColumn, monotoneDown({ 'f=1': 900 }));
    const steps = history.map((r) => `${r.value}${r.purpose === 'probe' ? '?' : ''}${r.outcome === 'pass' ? '+' : '-'}`);
    // Bisection with one run per point: 1000, 900, 850, 880, 890 (edge between 900 and 890) …
    expect(steps.slice(0, 5)).toEqual(['1000?+', '900?+', '850?-', '880?-', '890?-']);
    // … then 920, 910 and 900 confirmed three times each; 890's exploring fail stands (retest 0).
    expect(steps.slice(5)).toEqual(['920+', '920+', '920+', '910+', '910+', '910+', '900+', '900+', '900+']);
    expect(boundaryOf(s, oneColumn, history, 'R').columns[0]).toMatchObject({ confirmed: 900, first_fail: 890, raw: 900, holes: [] });
  });

  it('an exploring pass does not count towards confirm, an exploring fail counts as a fail', () => {
    const s = single({ strategy: 'binary', confirm: 2, retest: 1 });
    const at = (value: number, purpose: ProbeRecord['purpose'], outcome: ProbeRecord['outcome']): ProbeRecord => ({ column: 'f=1', value, purpose, outcome });
    // Exploring has closed the single-run bracket at 900 | 890; the walk starts at 920.
    const explored = [at(1000, 'probe', 'pass'), at(900, 'probe', 'pass'), at(850, 'probe', 'fail'), at(850, 'retest', 'fail'), at(880, 'probe', 'fail'), at(880, 'retest', 'fail'), at(890, 'probe', 'fail'), at(890, 'retest', 'fail')];
    expect(nextProbe(s, oneColumn, explored)).toEqual({ column: 'f=1', value: 920, purpose: 'confirm', attempt: 0 });
    const walked = [...explored, at(920, 'confirm', 'pass'), at(920, 'confirm', 'pass'), at(910, 'confirm', 'pass'), at(910, 'confirm', 'pass')];
    // 900 passed once while exploring: it still needs two confirming passes.
    expect(nextProbe(s, oneColumn, walked)).toEqual({ column: 'f=1', value: 900, purpose: 'confirm', attempt: 1 });
    walked.push(at(900, 'confirm', 'pass'));
    expect(nextProbe(s, oneColumn, walked)).toMatchObject({ value: 900, purpose: 'confirm', attempt: 2 });
    walked.push(at(900, 'confirm', 'pass'));
    expect(nextProbe(s, oneColumn, walked)).toBeNull();
    expect(boundaryOf(s, oneColumn, walked, 'R').columns[0]).toMatchObject({ confirmed: 900, first_fail: 890 });
  });

  it('edge skips exploring after the first column: it starts where the trend of the boundaries points', () => {
    const freqs = [1, 2, 3, 4, 5];
    const columns: SearchColumn[] = freqs.map((f) => ({ key: `f=${f}`, axes: { f }, lattice: vLattice }));
    // The boundary rises 20 mV per column: 860, 880, 900, 920, 940.
    const vmin = Object.fromEntries(freqs.map((f) => [`f=${f}`, 840 + 20 * f]));
    const s = single({ strategy: 'edge', confirm: 2 });
    const history = drive(s, columns, monotoneDown(vmin));
    expect(boundaryOf(s, columns, history, 'R').columns.map((c) => c.confirmed)).toEqual([860, 880, 900, 920, 940]);
    const firsts = freqs.map((f) => history.find((r) => r.column === `f=${f}`)!);
    expect(firsts.map((r) => r.purpose)).toEqual(['probe', 'confirm', 'confirm', 'confirm', 'confirm']);
    // Column 2 has one boundary to go by (860: start there); from column 3 on the line through them.
    expect(firsts.slice(1).map((r) => r.value)).toEqual([860, 900, 920, 940]);
    // A following column on trend costs confirm + 1 runs: its boundary confirmed, the next point failing.
    expect(history.filter((r) => r.column === 'f=4')).toHaveLength(3);
    expect(history.filter((r) => r.purpose === 'probe').every((r) => r.column === 'f=1')).toBe(true);
  });

  it('a start that fails walks towards the safe end one point at a time; a start that passes walks outwards', () => {
    const columns: SearchColumn[] = [1, 2, 3].map((f) => ({ key: `f=${f}`, axes: { f }, lattice: vLattice }));
    const s = single({ strategy: 'edge', confirm: 2 });
    // The third column's boundary jumps 40 mV up (start 900 fails), then the walk: 910, 920, 930 fail, 940 passes.
    const up = drive(s, columns, monotoneDown({ 'f=1': 880, 'f=2': 890, 'f=3': 940 })).filter((r) => r.column === 'f=3');
    expect(up.map((r) => `${r.value}${r.outcome === 'pass' ? '+' : '-'}`)).toEqual(['900-', '910-', '920-', '930-', '940+', '940+']);
    // Here it falls 30 mV against the trend (start 900 again): 900 … 860 confirmed, 850 fails.
    const down = drive(s, columns, monotoneDown({ 'f=1': 880, 'f=2': 890, 'f=3': 860 })).filter((r) => r.column === 'f=3');
    expect(down.map((r) => `${r.value}${r.outcome === 'pass' ? '+' : '-'}`)).toEqual(['900+', '900+', '890+', '890+', '880+', '880+', '870+', '870+', '860+', '860+', '850-']);
  });

  it('predictEdgeStart fits a line through the last boundaries and never starts past the last one', () => {
    expect(extrapolateLine([10])).toBe(10);
    expect(extrapolateLine([30, 28, 26])).toBeCloseTo(24, 9);
    expect(predictEdgeStart([], 64)).toBeNull();
    expect(predictEdgeStart([30, 28, 26], 64)).toBe(24);
    expect(predictEdgeStart([20, 22, 24], 64)).toBe(24); // a falling edge: start at the last boundary
    expect(predictEdgeStart([3, 1, 0], 64)).toBe(0);
  });

  it('on flaky simulated parts it keeps escapes near the 0.8^11 floor and costs far less than confirming every point', () => {
    const score = (s: SearchSpec) => scoreOnFlakyParts(s, 501, 520);
    const base = { strategy: 'edge' as const, resolution: 5, confirm: 11, retest: 0 };
    const walked = score(single(base));
    const confirmedEvery = score(spec(base));
    // 0.8^11 ≈ 8.6% is the floor for one band point met from above with 11 runs.
    expect(walked.escapes).toBeLessThan(0.16);
    expect(walked.probes).toBeLessThan(0.34 * 1024);
    expect(walked.probes).toBeLessThan(0.85 * confirmedEvery.probes);
  });
});
