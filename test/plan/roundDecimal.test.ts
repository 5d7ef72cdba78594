// roundToDecimals must give exactly what Number(x.toFixed(d)) gives: jitter and jittered rail
// values are rounded with it, and they are pinned.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { roundToDecimals } from '../../src/plan/roundDecimal.js';

function same(x: number, d: number): void {
  expect([x, d, roundToDecimals(x, d)]).toStrictEqual([x, d, Number(x.toFixed(d))]);
}

test('equals Number(toFixed) for any double and number of decimals', () => {
  fc.assert(fc.property(fc.double(), fc.integer({ min: 0, max: 20 }), (x, d) => same(x, d)), { numRuns: 20_000 });
});

test('equals Number(toFixed) for values like the sweeps and jitter make', () => {
  const value = fc.tuple(fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.constantFrom(1, 10, 100, 1000, 1e4), fc.double({ min: -5, max: 5, noNaN: true }))
    .map(([n, scale, offset]) => n / scale + offset);
  fc.assert(fc.property(value, fc.integer({ min: 0, max: 12 }), (x, d) => same(x, d)), { numRuns: 20_000 });
});

test('ties, signs of zero and edges go the way toFixed takes them', () => {
  for (const x of [0.5, 1.5, 2.5, -0.5, -2.5, 1.005, 1.045, 0.125, -0.125, 8.345, -8.345, 1e-10, -1e-10, -0.04, 0, -0, 1e21, -1e21, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN, 700.2, 699.8000000000001]) {
    for (const d of [0, 1, 2, 3, 9, 12, 13, 20]) same(x, d);
  }
});
