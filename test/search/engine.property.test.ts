import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundaryOf, holeRuns, nextProbe, probeEstimate, probeSeed } from '../../src/search/engine.js';
import type { SearchColumn, SearchSpec } from '../../src/search/types.js';
import { drive } from './drive.js';

const strategies = ['linear', 'binary', 'coarse-fine', 'edge'] as const;

// A lattice ordered from the safe end: strictly decreasing for `down`, increasing for `up`.
const arbLattice = (direction: 'down' | 'up') =>
  fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 40 }).chain((steps) =>
    fc.integer({ min: 500, max: 1500 }).map((start) => {
      const values = [start];
      for (const step of steps) values.push(values[values.length - 1]! + (direction === 'down' ? -step : step));
      return values;
    }),
  );

const arbSpec = (direction: 'down' | 'up') =>
  fc.record({
    rail: fc.constant('vcore_mv'),
    direction: fc.constant(direction),
    strategy: fc.constantFrom(...strategies),
    resolution: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
    coarse_step: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
    confirm: fc.integer({ min: 1, max: 4 }),
    retest: fc.integer({ min: 0, max: 3 }),
    guard_band: fc.integer({ min: 0, max: 30 }),
    explore: fc.constantFrom(undefined, 'confirmed' as const, 'single' as const),
  }, { requiredKeys: ['rail', 'direction', 'strategy', 'resolution', 'confirm', 'retest', 'guard_band'] }) as fc.Arbitrary<SearchSpec>;

// Columns sharing one lattice, each with its true last passing index (-1: even the safe end fails).
const arbCase = fc.constantFrom('down' as const, 'up' as const).chain((direction) =>
  fc.tuple(arbSpec(direction), arbLattice(direction)).chain(([spec, lattice]) =>
    fc.array(fc.integer({ min: -1, max: lattice.length - 1 }), { minLength: 1, maxLength: 6 }).map((truth) => ({
      spec,
      truth,
      columns: truth.map((_, i): SearchColumn => ({ key: `f=${i}`, axes: { f: i }, lattice })),
    })),
  ),
);

describe('engine properties', () => {
  it('on any monotone part every strategy finds the true boundary within one lattice step or the resolution', () => {
    fc.assert(
      fc.property(arbCase, ({ spec, truth, columns }) => {
        const lastPassing = (column: string) => truth[Number(column.slice(2))]!;
        const history = drive(spec, columns, (r) => (columns[0]!.lattice.indexOf(r.value) <= lastPassing(r.column) ? 'pass' : 'fail'));
        for (const r of history) expect(columns[0]!.lattice).toContain(r.value);
        expect(history.length).toBeLessThanOrEqual(probeEstimate(spec, columns).worstCase);
        const file = boundaryOf(spec, columns, history, 'R');
        file.columns.forEach((column, i) => {
          const t = truth[i]!;
          const lattice = columns[i]!.lattice;
          expect(column.holes).toEqual([]);
          expect(column.flaky).toEqual([]);
          if (t === -1) {
            expect(column.confirmed).toBeNull();
            return;
          }
          const c = lattice.indexOf(column.confirmed!);
          expect(c).toBeGreaterThanOrEqual(0);
          expect(c).toBeLessThanOrEqual(t); // never claims a failing point
          if (c < t) {
            // stopped early only because first fail and last pass were within the resolution
            expect(Math.abs(lattice[t]! - lattice[c]!)).toBeLessThanOrEqual(spec.resolution);
          }
          const sign = spec.direction === 'down' ? 1 : -1;
          expect(column.guard_banded).toBeCloseTo(column.confirmed! + sign * spec.guard_band, 9);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('on any part (flaky, non-monotone) the search ends, probes only the lattice, and its verdicts hold', () => {
    fc.assert(
      fc.property(arbCase, fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 100 }), ({ spec, columns }, seed, failPercent) => {
        const part = (r: { column: string; value: number; attempt: number }) => ((probeSeed(seed, r.column, r.value, r.attempt) % 100) < failPercent ? 'fail' : 'pass') as 'pass' | 'fail';
        const n = columns[0]!.lattice.length;
        const perPoint = Math.max(spec.confirm + spec.retest, holeRuns(spec)) + 1 + spec.retest; // + an exploring run (explore: single)
        const history = drive(spec, columns, part, columns.length * n * perPoint);
        for (const r of history) expect(columns[0]!.lattice).toContain(r.value);
        const file = boundaryOf(spec, columns, history, 'R');
        for (const column of file.columns) {
          const verdictOf = (v: number | null) => column.points.find((p) => p.value === v)?.verdict;
          if (column.confirmed !== null) {
            expect(verdictOf(column.confirmed)).toBe('pass');
            expect(column.points.find((p) => p.value === column.confirmed)!.passes).toBeGreaterThanOrEqual(spec.confirm);
          }
          if (column.first_fail !== null) expect(['fail', 'flaky']).toContain(verdictOf(column.first_fail));
          for (const p of column.points) expect(p.verdict === 'flaky').toBe(p.passes > 0 && p.fails > 0);
          expect(column.flaky).toEqual(column.points.filter((p) => p.verdict === 'flaky').map((p) => p.value));
          for (const hole of column.holes) {
            const point = column.points.find((p) => p.value === hole)!;
            expect(point.passes + point.fails).toBeGreaterThanOrEqual(holeRuns(spec));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: any prefix of a search asks for the probe that followed it', () => {
    fc.assert(
      fc.property(arbCase, fc.integer({ min: 0, max: 2 ** 31 }), ({ spec, columns }, seed) => {
        const part = (r: { column: string; value: number; attempt: number }) => ((probeSeed(seed, r.column, r.value, r.attempt) % 4) === 0 ? 'fail' : 'pass') as 'pass' | 'fail';
        const history = drive(spec, columns, part);
        expect(drive(spec, columns, part)).toEqual(history);
        for (let cut = 0; cut < history.length; cut++) {
          const next = nextProbe(spec, columns, history.slice(0, cut));
          expect(next).toMatchObject({ column: history[cut]!.column, value: history[cut]!.value, purpose: history[cut]!.purpose });
        }
        expect(nextProbe(spec, columns, history)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });
});
