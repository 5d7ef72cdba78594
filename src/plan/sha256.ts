// SHA-256 for planning, where 100,000 points hash 200,000 short texts that share their
// beginnings. The hashing is @noble/hashes'; what this adds is reuse of whole 64-byte blocks:
// the hasher state after each full block of the previous message is kept, and a message that
// starts with the same blocks continues from that state instead of hashing them again (noble
// compresses a block as soon as it is complete, so a state after `update(block)` is the midstate).
// The digests are those of node:crypto (test/plan/sha256.test.ts compares them).
import { sha256 } from '@noble/hashes/sha2.js';

type Sha256State = ReturnType<typeof sha256.create>;

const blockBytes = 64;

/** Hashes messages the caller writes into `message`; keeps its state between calls. */
export interface PrefixHasher {
  /** Write the message's bytes here, from 0; holds `capacity` bytes. */
  readonly message: Uint8Array;
  readonly capacity: number;
  /** Hashes message[0, length); read the digest with digestWord. */
  hash(length: number): void;
  /** Big-endian 32-bit word `index` (0–7) of the last digest, unsigned. */
  digestWord(index: number): number;
}

/** A hasher for messages of up to `capacity` bytes. */
export function createPrefixHasher(capacity: number): PrefixHasher {
  const blocks = Math.floor(capacity / blockBytes);
  // Whole blocks of memory, so that blocks compare as 16 words.
  const message = new Uint8Array(new ArrayBuffer((blocks + 1) * blockBytes), 0, capacity);
  const messageWords = new Int32Array(message.buffer);
  // The full blocks of the previous message, and after[k]: the state after its first k blocks.
  const previous = new Uint8Array(blocks * blockBytes);
  const previousWords = new Int32Array(previous.buffer);
  const after: Sha256State[] = Array.from({ length: blocks + 1 }, () => sha256.create());
  let known = 0; // after[0 .. known] are valid
  const work = sha256.create();
  const digest = new Uint8Array(32);
  const digestView = new DataView(digest.buffer);
  return {
    message,
    capacity,
    hash(length: number): void {
      if (!(length >= 0 && length <= capacity)) throw new RangeError(`message of ${length} bytes; capacity ${capacity}`);
      const full = Math.floor(length / blockBytes);
      let k = 0;
      while (k < full && k < known && isSameBlock(messageWords, previousWords, k)) k++;
      for (let b = k; b < full; b++) {
        const block = message.subarray(b * blockBytes, (b + 1) * blockBytes);
        after[b]!._cloneInto(after[b + 1]).update(block);
        previous.set(block, b * blockBytes);
      }
      // States past `full` still follow the previous message only if none before them changed.
      known = k < full ? full : Math.max(known, full);
      after[full]!._cloneInto(work).update(message.subarray(full * blockBytes, length)).digestInto(digest);
    },
    digestWord(index: number): number {
      return digestView.getUint32(index * 4);
    },
  };
}

function isSameBlock(a: Int32Array, b: Int32Array, block: number): boolean {
  for (let i = block * 16, end = i + 16; i < end; i++) if (a[i] !== b[i]) return false;
  return true;
}
