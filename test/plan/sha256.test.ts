// The planning hasher against node:crypto: same digests for any bytes, including runs of
// messages that share leading blocks (the case it skips work for).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createPrefixHasher } from '../../src/plan/sha256.js';

function digestOf(hasher: ReturnType<typeof createPrefixHasher>, bytes: Uint8Array): string {
  hasher.message.set(bytes);
  hasher.hash(bytes.length);
  return Array.from({ length: 8 }, (_, i) => hasher.digestWord(i).toString(16).padStart(8, '0')).join('');
}

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('digests equal node:crypto for every length around the block boundaries', () => {
  const hasher = createPrefixHasher(300);
  for (let n = 0; n <= 300; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
    expect(digestOf(hasher, bytes)).toBe(reference(bytes));
  }
});

test('a sequence of messages sharing prefixes, repeats and length changes hashes like node:crypto', () => {
  const message = fc.record({ keep: fc.nat(200), tail: fc.uint8Array({ maxLength: 140 }) });
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 12 }), (steps) => {
      const hasher = createPrefixHasher(340);
      let previous = new Uint8Array(0);
      for (const { keep, tail } of steps) {
        const bytes = new Uint8Array([...previous.subarray(0, keep), ...tail]);
        expect(digestOf(hasher, bytes)).toBe(reference(bytes));
        previous = bytes;
      }
    }),
    { numRuns: 300 },
  );
});

test('kept states of later blocks are dropped once an earlier block changes', () => {
  const block = (fill: number) => new Uint8Array(64).fill(fill);
  const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
  const hasher = createPrefixHasher(200);
  // A has blocks a0 a1 a2; B replaces only a0; C is B's first block followed by A's a1 a2 —
  // equal, block by block, to what the hasher last saw, but not to the message it hashed.
  const messages = [join(block(1), block(2), block(3), block(4).subarray(0, 5)), join(block(9), block(0).subarray(0, 3)), join(block(9), block(2), block(3), block(4).subarray(0, 5))];
  for (const bytes of messages) expect(digestOf(hasher, bytes)).toBe(reference(bytes));
});

test('a message longer than the capacity is refused', () => {
  expect(() => createPrefixHasher(10).hash(11)).toThrow(RangeError);
});
