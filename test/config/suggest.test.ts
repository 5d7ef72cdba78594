// "Did you mean" suggestions: a swap of two letters is one edit, far words get the known list.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { closest, measureTypoDistance, suggestionFor } from '../../src/config/suggest.js';

test('typo distance: swaps, insertions, deletions and substitutions cost one each', () => {
  expect(measureTypoDistance('rial', 'rail')).toBe(1);
  expect(measureTypoDistance('rial', 'diag')).toBe(2);
  expect(measureTypoDistance('stpo', 'stop')).toBe(1);
  expect(measureTypoDistance('iteratons', 'iterations')).toBe(1);
  expect(measureTypoDistance('', 'abc')).toBe(3);
  expect(measureTypoDistance('kitten', 'sitting')).toBe(3);
});

test('typo distance is a symmetric measure, zero only for equal words', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = measureTypoDistance(a, b);
      expect(d).toBe(measureTypoDistance(b, a));
      expect(d === 0).toBe(a === b);
      expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
    }),
  );
});

test('closest picks the likely typo and nothing when every candidate is far', () => {
  expect(closest('rial', ['diag', 'rail'])).toBe('rail');
  expect(closest('Stop', ['stop', 'continue'])).toBe('stop');
  expect(closest('zigzag', ['walk', 'random'])).toBeUndefined();
  expect(suggestionFor('zigzag', ['walk', 'random'], 'value')).toBe('known values: walk, random');
  expect(suggestionFor('x', [], 'param')).toBe('no param is defined');
  expect(suggestionFor('descripton', ['name', 'description', 'steps'], 'key')).toBe('did you mean "description"?');
});
