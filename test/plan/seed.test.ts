// The per-sweep seeder (texts assembled as bytes, hashed by src/plan/sha256.ts) against the
// reference definitions deriveSubrunSeed and jitterOffset (texts hashed by node:crypto).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createPointSeeder, deriveSubrunSeed, jitterOffset } from '../../src/plan/seed.js';

const key = fc.oneof(
  fc.constantFrom('default.vcore_mv', 'diag-a.freq_mhz', 'mem-test.vddq_mv', 'lone\ud800.surrogate', 'é.µ'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);
const value = fc.oneof(fc.integer({ min: -5000, max: 5000 }), fc.double({ noNaN: true }), fc.constantFrom(-0, 0.1, 1e21, 1e-7, 700.4));
const axis = fc.record({ key, values: fc.array(value, { minLength: 1, maxLength: 6 }) });
const amplitude = fc.oneof(fc.constantFrom(0.2, 3, 0.5, 0.25, 1e-7, 12.125), fc.double({ min: 1e-3, max: 1e4, noNaN: true }));

test('seeds and jitter equal the reference definitions for any axes, values and keys', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.array(axis, { maxLength: 4 }),
      fc.array(fc.record({ key, amplitude }), { maxLength: 3 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      (globalSeed, axes, jitter, rolls) => {
        const seeder = createPointSeeder(globalSeed, axes, jitter);
        for (const roll of rolls) {
          const picks = Int32Array.from(axes, (a, j) => (roll + j) % a.values.length);
          const seed = seeder.seedOf(picks);
          expect(seed).toBe(deriveSubrunSeed(globalSeed, axes.map((a, j): [string, number] => [a.key, a.values[picks[j]!]!])));
          jitter.forEach((j, k) => expect(Object.is(seeder.jitterOf(seed, k), jitterOffset(seed, j.key, j.amplitude))).toBe(true));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('seeds of 0 and 2^32 - 1 are written in full in the jitter text', () => {
  const seeder = createPointSeeder(1, [], [{ key: 'default.vcore_mv', amplitude: 5 }]);
  for (const seed of [0, 9, 10, 99, 100, 4294967295, 1869827408]) {
    expect(seeder.jitterOf(seed, 0)).toBe(jitterOffset(seed, 'default.vcore_mv', 5));
  }
});
