// Sub-run seeds and values are pinned (rerun-last compares a rebuilt plan with the stored one):
// buildPlan must give exactly what the plain definition gives — texts hashed with node:crypto,
// one object per point — including the key order that plan.json is written in.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Margin } from '../../src/config/schemas/index.js';
import { expandValues, listRailSettings } from '../../src/plan/axes.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { expandPoints } from '../../src/plan/points.js';
import { deriveSubrunSeed, jitterOffset } from '../../src/plan/seed.js';
import { intersectPolicies } from '../../src/safety/bounds.js';
import { arbFlow, arbMargin, diagA, diagB, railAdapter, runId, widePolicy } from './builders.js';

interface ReferencePoint {
  seed: number;
  point: Record<string, number>;
  margins: Record<string, number>;
  adapter_margins: Record<string, Record<string, number>>;
}

// The definition: grid with the last setting fastest (zip: i-th values), the seed from the
// `target.rail=value` pairs of the axes, jitter from the seed, rounded to 9 decimals.
function listReferencePoints(margin: Margin, globalSeed: number, count: number): ReferencePoint[] {
  const settings = listRailSettings(margin);
  const values = settings.map((s) => expandValues(s.spec));
  const out: ReferencePoint[] = [];
  for (let i = 0; i < count; i++) {
    let rest = i;
    const picked = new Array<number>(values.length);
    for (let j = values.length - 1; j >= 0; j--) {
      const v = values[j]!;
      picked[j] = margin.combine === 'zip' ? (v.length > 1 ? v[i]! : v[0]!) : v[rest % v.length]!;
      rest = Math.floor(rest / v.length);
    }
    const axes = settings.map((s, j) => [s, j] as const).filter(([s]) => s.count > 1);
    const seed = deriveSubrunSeed(globalSeed, axes.map(([s, j]): [string, number] => [`${s.target}.${s.rail}`, picked[j]!]));
    const point = Object.fromEntries(axes.map(([s, j]) => [s.target === 'default' ? s.rail : `${s.target}:${s.rail}`, picked[j]!]));
    const byTarget: Record<string, Record<string, number>> = {};
    settings.forEach((s, j) => {
      const offset = jitterOffset(seed, `${s.target}.${s.rail}`, margin.jitter?.[s.rail]?.amplitude ?? 0);
      const moved = offset === 0 ? picked[j]! : Number((picked[j]! + offset).toFixed(9));
      (byTarget[s.target] ??= {})[s.rail] = moved === 0 ? 0 : moved;
    });
    const { default: margins = {}, ...adapterMargins } = byTarget;
    out.push({ seed, point, margins, adapter_margins: adapterMargins });
  }
  return out;
}

const adapters = [diagA, diagB, railAdapter('vcore', 'vcore_mv', 1000), railAdapter('freq', 'freq_mhz', 2400)];
const executables = { 'diag-a': 'diags/diag-a', 'diag-b': 'diags/diag-b', vcore: 'diags/sim-rail', freq: 'diags/sim-rail' };

test('every sub-run has the seed, point and values of the definition, keys in the same order', () => {
  fc.assert(
    fc.property(arbMargin({ jitter: true }), arbFlow(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, f, seed) => {
      const plan = buildPlan({
        runId, createdAt: '2026-01-01T00:00:00.000Z', flow: f.flow, margin: m.margin, adapters, executables,
        bounds: intersectPolicies({ body: widePolicy, file: 'policy/safety.yaml' }, null),
        profile: null, seed, seedSource: 'option', inputs: [],
      });
      const got = plan.subruns.map((s) => ({ seed: s.seed, point: s.point, margins: s.margins, adapter_margins: s.adapter_margins }));
      const expected = listReferencePoints(m.margin, seed, m.expectedCount);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
      expect(got).toEqual(expected);
    }),
    { numRuns: 300 },
  );
});

test('expandPoints gives the same seeds and values per target as the definition', () => {
  fc.assert(
    fc.property(arbMargin({ jitter: true }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, seed) => {
      const expected = listReferencePoints(m.margin, seed, m.expectedCount);
      [...expandPoints(m.margin, seed)].forEach((p, i) => {
        const e = expected[i]!;
        expect([p.seed, p.point]).toEqual([e.seed, e.point]);
        const { default: margins = {}, ...adapterMargins } = p.values;
        expect([margins, adapterMargins]).toEqual([e.margins, e.adapter_margins]);
      });
    }),
    { numRuns: 200 },
  );
});

test('values the same at every point are shared, frozen, and still right', () => {
  const margin: Margin = {
    name: 'm',
    targets: { default: { vcore_mv: { values: [800, 900] }, vsoc_mv: { fixed: 0 } }, 'diag-b': { vddq_mv: { fixed: 1200 } } },
  };
  const points = [...expandPoints(margin, 3)];
  expect(points.map((p) => p.values)).toEqual([
    { default: { vcore_mv: 800, vsoc_mv: 0 }, 'diag-b': { vddq_mv: 1200 } },
    { default: { vcore_mv: 900, vsoc_mv: 0 }, 'diag-b': { vddq_mv: 1200 } },
  ]);
  expect(points[0]!.values['diag-b']).toBe(points[1]!.values['diag-b']);
  expect(Object.isFrozen(points[0]!.values['diag-b'])).toBe(true);
  expect(points[0]!.values.default).not.toBe(points[1]!.values.default);
});
