// Property: the same inputs and seed give the same plan (once the run id, the creation time and
// the sub-run ids are left out); different seeds give different sub-run seeds.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { planSweep } from '../../src/plan/planSweep.js';
import { deriveSubrunSeed, jitterOffset } from '../../src/plan/seed.js';
import type { Plan } from '../../src/plan/types.js';
import { arbFlow, arbMargin, buildWorkspace, otherRunId, runId, widePolicy, xeonHost, type FlowCase, type MarginCase } from './builders.js';

const host = xeonHost();

function planWith(m: MarginCase, f: FlowCase, seed: number | undefined, id: string, createdAt: string): Plan {
  const { workspace, flow, margin } = buildWorkspace({ flow: f.flow, margin: m.margin, policy: widePolicy });
  return planSweep({ workspace, flow, margin, host, profile: 'none', runId: id, createdAt, seed, randomSeed: () => 99 }).plan;
}

// The volatile fields, listed explicitly: everything else must be equal.
function stripVolatile(plan: Plan): unknown {
  const { run_id: _run, created_at: _created, subruns, ...rest } = plan;
  return { ...rest, subruns: subruns.map(({ id: _id, ...s }) => s) };
}

test('same inputs and seed: identical plan content, whatever the run id and time', () => {
  fc.assert(
    fc.property(arbMargin({ jitter: true }), arbFlow(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, f, seed) => {
      const a = planWith(m, f, seed, runId, '2026-01-01T00:00:00.000Z');
      const b = planWith(m, f, seed, otherRunId, '2027-02-02T11:11:11.000Z');
      expect(stripVolatile(b)).toEqual(stripVolatile(a));
      // Sub-run ids differ only by the run id they start with.
      expect(b.subruns.map((s) => s.id.slice(otherRunId.length))).toEqual(a.subruns.map((s) => s.id.slice(runId.length)));
      // Plain data: a JSON round trip changes nothing (no -0, NaN or undefined values).
      expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    }),
    { numRuns: 150 },
  );
});

test('different seeds: different sub-run seeds (and jitter), same points', () => {
  fc.assert(
    fc.property(
      arbMargin({ jitter: true }),
      arbFlow(),
      fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 2, maxLength: 2 }),
      (m, f, [s1, s2]) => {
        const a = planWith(m, f, s1, runId, '2026-01-01T00:00:00.000Z');
        const b = planWith(m, f, s2, runId, '2026-01-01T00:00:00.000Z');
        expect(a.seed).toBe(s1);
        expect(b.seed).toBe(s2);
        const seedsA = a.subruns.map((s) => s.seed);
        const seedsB = b.subruns.map((s) => s.seed);
        expect(seedsB).not.toEqual(seedsA);
        // At most a chance 32-bit collision at one index, never a systematic one.
        expect(seedsA.filter((x, i) => x === seedsB[i]).length).toBeLessThanOrEqual(1);
        expect(b.subruns.map((s) => s.point)).toEqual(a.subruns.map((s) => s.point));
      },
    ),
    { numRuns: 150 },
  );
});

test('sub-run seeds within one plan are distinct per point and fixed for a given seed', () => {
  const m: MarginCase = {
    margin: { name: 'm', targets: { default: { vcore_mv: { sweep: { start: 800, stop: 1000, step: 25 } }, freq_mhz: { values: [2000, 2400, 2800] } } } },
    settings: [],
    expectedCount: 27,
  };
  const f: FlowCase = { flow: { name: 'f', steps: [{ id: 'a', adapter: 'diag-a' }] }, expectedSteps: 1, iterations: [] };
  const plan = planWith(m, f, 42, runId, '2026-01-01T00:00:00.000Z');
  expect(new Set(plan.subruns.map((s) => s.seed)).size).toBe(27);
  // The seed of a point does not depend on the other points: a one-point margin at 800/2000
  // gets the same seed as that point of the grid.
  const one: MarginCase = {
    margin: { name: 'm', targets: { default: { vcore_mv: { values: [800, 825] }, freq_mhz: { values: [2000, 2400] } } } },
    settings: [],
    expectedCount: 4,
  };
  expect(planWith(one, f, 42, runId, 'x').subruns[0]!.seed).toBe(plan.subruns[0]!.seed);
});

test('without --seed or global_seed the injected random seed is used and recorded', () => {
  const m: MarginCase = { margin: { name: 'm', targets: { default: { vcore_mv: { values: [900, 950] } } } }, settings: [], expectedCount: 2 };
  const f: FlowCase = { flow: { name: 'f', steps: [{ id: 'a', adapter: 'diag-a' }] }, expectedSteps: 1, iterations: [] };
  const plan = planWith(m, f, undefined, runId, 'x');
  expect(plan.seed).toBe(99);
  expect(plan.seed_source).toBe('random');
  const withOption = planWith({ ...m, margin: { ...m.margin, global_seed: 5 } }, f, 6, runId, 'x');
  expect([withOption.seed, withOption.seed_source]).toEqual([6, 'option']);
});

test('seeds are pinned: the same point of the same sweep keeps its seed and jitter across versions', () => {
  // s00 of the sample plan (global_seed 42, vcore 800, freq 2000, jitter ±3 → 799).
  const seed = deriveSubrunSeed(42, [['default.vcore_mv', 800], ['default.freq_mhz', 2000]]);
  expect(seed).toBe(1869827408);
  expect(jitterOffset(seed, 'default.vcore_mv', 3)).toBe(-1);
});
