// Property tests of sweep expansion: value counts, point counts and order, sub-run and step
// counts, all against counts computed by the generators (not by src/plan).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { countPoints, countValues, expandValues } from '../../src/plan/axes.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { planSweep } from '../../src/plan/planSweep.js';
import { expandPoints } from '../../src/plan/points.js';
import { intersectPolicies } from '../../src/safety/bounds.js';
import { arbFlow, arbMargin, arbSpec, buildWorkspace, diagA, diagB, railAdapter, runId, widePolicy, xeonHost, type MarginCase } from './builders.js';

const host = xeonHost();
const seedArb = fc.integer({ min: 0, max: 2 ** 32 - 1 });

// The points in documented order, built by nested loops: grid = cartesian product in
// declaration order with the last setting varying fastest; zip = the i-th value of each.
function listExpectedTuples(c: MarginCase): number[][] {
  if (c.margin.combine === 'zip') {
    return Array.from({ length: c.expectedCount }, (_, i) => c.settings.map((s) => (s.values.length > 1 ? s.values[i]! : s.values[0]!)));
  }
  let tuples: number[][] = [[]];
  for (const s of c.settings) tuples = tuples.flatMap((t) => s.values.map((v) => [...t, v]));
  return tuples;
}

describe('rail values', () => {
  test('expandValues yields exactly countValues values, the ones the spec describes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }).chain(arbSpec), (c) => {
        expect(countValues(c.spec)).toBe(c.values.length);
        expect(expandValues(c.spec)).toEqual(c.values);
      }),
      { numRuns: 500 },
    );
  });

  test('decimal sweeps count and round like the written numbers', () => {
    expect(expandValues({ sweep: { start: 0.9, stop: 1.0, step: 0.05 } })).toEqual([0.9, 0.95, 1]);
    expect(expandValues({ sweep: { start: 1.2, stop: 1.0, step: -0.1 } })).toEqual([1.2, 1.1, 1]);
    expect(countValues({ sweep: { start: 800, stop: 1000, step: 25 } })).toBe(9);
    expect(countValues({ sweep: { start: 800, stop: 1010, step: 25 } })).toBe(9);
    expect(countValues({ sweep: { start: 800, stop: 800, step: 25 } })).toBe(1);
  });

  test('a zero or wrong-signed step counts as invalid (NaN), never as points', () => {
    expect(countValues({ sweep: { start: 800, stop: 1000, step: 0 } })).toBeNaN();
    expect(countValues({ sweep: { start: 1000, stop: 800, step: 25 } })).toBeNaN();
    expect(countPoints({ name: 'm', targets: { default: { vcore_mv: { sweep: { start: 1, stop: 2, step: -1 } } } } })).toBeNaN();
  });

  test('countPoints is arithmetic: 300 million points are counted instantly', () => {
    const started = Date.now();
    const margin = { name: 'm', targets: { default: { vcore_mv: { sweep: { start: 0, stop: 300_000_000, step: 1 } }, freq_mhz: { values: [1, 2] } } } };
    expect(countPoints(margin)).toBe(600_000_002);
    expect(Date.now() - started).toBeLessThan(10_000); // enumerating them would take minutes
  });
});

describe('margin points', () => {
  test('expandPoints yields countPoints() points, the arithmetic count of the axes', () => {
    fc.assert(
      fc.property(arbMargin({ jitter: true }), seedArb, (c, seed) => {
        expect(countPoints(c.margin)).toBe(c.expectedCount);
        expect([...expandPoints(c.margin, seed)]).toHaveLength(c.expectedCount);
      }),
      { numRuns: 300 },
    );
  });

  test('points come in the documented order (grid: last axis fastest; zip: i-th values), fixed rails in every point', () => {
    fc.assert(
      fc.property(arbMargin(), seedArb, (c, seed) => {
        const expected = listExpectedTuples(c);
        const points = [...expandPoints(c.margin, seed)];
        expect(points.map((p) => c.settings.map((s) => p.values[s.target]![s.rail]!))).toEqual(expected);
        // Only axes (more than one value) appear in `point`; each combination once.
        const axes = c.settings.filter((s) => s.values.length > 1);
        for (const p of points) expect(Object.keys(p.point)).toHaveLength(axes.length);
        expect(new Set(points.map((p) => JSON.stringify(p.point))).size).toBe(c.expectedCount);
      }),
      { numRuns: 300 },
    );
  });

  test('jitter moves a rail by at most its amplitude, and only the jittered rails', () => {
    fc.assert(
      fc.property(arbMargin({ jitter: true }), seedArb, (c, seed) => {
        const expected = listExpectedTuples(c);
        [...expandPoints(c.margin, seed)].forEach((p, i) => {
          c.settings.forEach((s, j) => {
            const base = expected[i]![j]!;
            const amplitude = c.margin.jitter?.[s.rail]?.amplitude ?? 0;
            const value = p.values[s.target]![s.rail]!;
            expect(Math.abs(value - base)).toBeLessThanOrEqual(amplitude + 1e-9);
            if (amplitude === 0) expect(value).toBe(base);
          });
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('plans', () => {
  const adapters = [diagA, diagB, railAdapter('vcore', 'vcore_mv', 1000), railAdapter('freq', 'freq_mhz', 2400)];
  const executables = { 'diag-a': 'diags/diag-a', 'diag-b': 'diags/diag-b', vcore: 'diags/sim-rail', freq: 'diags/sim-rail' };

  test('buildPlan makes countPoints() sub-runs, each with every expanded step invocation', () => {
    fc.assert(
      fc.property(arbMargin({ jitter: true }), arbFlow(), seedArb, (m, f, seed) => {
        const plan = buildPlan({
          runId, createdAt: '2026-01-01T00:00:00.000Z', flow: f.flow, margin: m.margin, adapters, executables,
          bounds: intersectPolicies({ body: widePolicy, file: 'policy/safety.yaml' }, null),
          profile: null, seed, seedSource: 'option', inputs: [],
        });
        expect(plan.subruns).toHaveLength(countPoints(m.margin));
        expect(plan.subruns).toHaveLength(m.expectedCount);
        const width = Math.max(2, String(m.expectedCount - 1).length);
        plan.subruns.forEach((s, i) => {
          expect(s.index).toBe(i);
          expect(s.id).toBe(`${runId}-s${String(i).padStart(width, '0')}`);
          expect(s.steps).toHaveLength(f.expectedSteps);
          expect(s.steps.map((st) => st.index)).toEqual(Array.from({ length: f.expectedSteps }, (_, k) => k));
        });
        // Axes of the plan list every rail with more than one value, with its values in order.
        expect(plan.axes.map((a) => a.values)).toEqual(m.settings.filter((s) => s.values.length > 1).map((s) => s.values));
      }),
      { numRuns: 200 },
    );
  });

  test('planSweep on an in-memory workspace plans the arithmetic number of sub-runs', () => {
    fc.assert(
      fc.property(arbMargin({ jitter: true, seed: true }), arbFlow(), (m, f) => {
        const { workspace, flow, margin } = buildWorkspace({ flow: f.flow, margin: m.margin, policy: widePolicy });
        const { plan } = planSweep({
          workspace, flow, margin, host, profile: 'none', runId, createdAt: '2026-01-01T00:00:00.000Z', randomSeed: () => 7,
        });
        expect(plan.subruns).toHaveLength(m.expectedCount);
        expect(plan.subruns.every((s) => s.steps.length === f.expectedSteps)).toBe(true);
        expect(plan.seed).toBe(m.margin.global_seed ?? 7);
        expect(plan.seed_source).toBe(m.margin.global_seed === undefined ? 'random' : 'margin');
        // Rails of the default target are held for the sub-run; adapter targets apart.
        const defaults = m.settings.filter((s) => s.target === 'default').map((s) => s.rail).sort();
        expect(Object.keys(plan.subruns[0]!.margins).sort()).toEqual(defaults);
        const byAdapter = [...new Set(m.settings.filter((s) => s.target !== 'default').map((s) => s.target))].sort();
        expect(Object.keys(plan.subruns[0]!.adapter_margins).sort()).toEqual(byAdapter);
      }),
      { numRuns: 150 },
    );
  });
});
