import { hash } from 'node:crypto';
import { roundToDecimals } from './roundDecimal.js';
import { createPrefixHasher } from './sha256.js';

// The texts hashed here are pinned: changing one changes every seed and jitter value of every
// plan, and `rerun-last` compares a rebuilt plan with the stored one.
const seedPrefix = 'road_runner/subrun-seed/v1|';
const jitterPrefix = 'road_runner/jitter/v1|';

/** A 32-bit unsigned integer from the sha256 of a text: stable across versions and machines. */
export function hashToUint32(text: string): number {
  return hash('sha256', text, 'buffer').readUInt32BE(0);
}

/** A uniform number in [0, 1) from the sha256 of a text. */
export function hashToUnit(text: string): number {
  const digest = hash('sha256', text, 'buffer');
  return scaleToUnit(digest.readUInt32BE(0), digest.readUInt32BE(4));
}

// 53 bits of the digest's first two words: the full precision of a double.
function scaleToUnit(word0: number, word1: number): number {
  return ((word0 >>> 5) * 67108864 + (word1 >>> 6)) / 9007199254740992;
}

/**
 * A sub-run's seed: hashed from the global seed and the margin point (as `target.rail=value`
 * pairs in expansion order), so the same point of the same sweep always gets the same seed.
 */
export function deriveSubrunSeed(globalSeed: number, point: [string, number][]): number {
  const canonical = point.map(([key, value]) => `${key}=${value}`).join(',');
  return hashToUint32(`${seedPrefix}${globalSeed}|${canonical}`);
}

/**
 * Seeded uniform jitter in [-amplitude, +amplitude], rounded to the decimals the amplitude is
 * written with (amplitude 5 gives whole numbers, 0.5 gives tenths).
 */
export function jitterOffset(subrunSeed: number, key: string, amplitude: number): number {
  if (amplitude === 0) return 0;
  const raw = (hashToUnit(`${jitterPrefix}${subrunSeed}|${key}`) * 2 - 1) * amplitude;
  return dropNegativeZero(Number(raw.toFixed(decimalsOf(amplitude))));
}

function decimalsOf(amplitude: number): number {
  const text = String(amplitude);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

function dropNegativeZero(n: number): number {
  return Object.is(n, -0) ? 0 : n;
}

/** An axis as the seed text names it: `target.rail` and its values in order. */
export interface SeedAxis {
  key: string;
  values: number[];
}

/** A jittered rail as the jitter text names it: `target.rail`, with its amplitude (> 0). */
export interface JitterKey {
  key: string;
  amplitude: number;
}

/**
 * deriveSubrunSeed and jitterOffset for every point of one sweep, without building the texts:
 * each `target.rail=value` piece is encoded once, and a point's text is assembled as bytes.
 */
export interface PointSeeder {
  /** deriveSubrunSeed(globalSeed, [[axes[j].key, axes[j].values[picks[j]]] …]). */
  seedOf(picks: Int32Array): number;
  /** jitterOffset(subrunSeed, jitter[k].key, jitter[k].amplitude). */
  jitterOf(subrunSeed: number, k: number): number;
}

/** A seeder for the axes and jittered rails of one sweep. */
export function createPointSeeder(globalSeed: number, axes: SeedAxis[], jitter: JitterKey[]): PointSeeder {
  const seedHead = Buffer.from(`${seedPrefix}${globalSeed}|`, 'utf8');
  const pieces = axes.map((a) => a.values.map((v) => Buffer.from(`${a.key}=${v}`, 'utf8')));
  const jitterHead = Buffer.from(jitterPrefix, 'utf8');
  const jitterTails = jitter.map((j) => Buffer.from(`|${j.key}`, 'utf8'));
  const decimals = jitter.map((j) => decimalsOf(j.amplitude));
  const longest = (list: Buffer[]) => list.reduce((n, b) => Math.max(n, b.length), 0);
  // One hasher per kind of text, each keeping its constant head: consecutive seed texts share
  // their first block (the first axes vary slowest), so most seeds cost one block.
  const seeds = createPrefixHasher(seedHead.length + pieces.reduce((n, p) => n + longest(p) + 1, 0));
  const jitters = createPrefixHasher(jitterHead.length + 10 + longest(jitterTails));
  seeds.message.set(seedHead);
  jitters.message.set(jitterHead);
  return {
    seedOf(picks: Int32Array): number {
      const message = seeds.message;
      let at = seedHead.length;
      for (let j = 0; j < pieces.length; j++) {
        if (j > 0) message[at++] = 0x2c; // ','
        at = copyBytes(pieces[j]![picks[j]!]!, message, at);
      }
      seeds.hash(at);
      return seeds.digestWord(0);
    },
    jitterOf(subrunSeed: number, k: number): number {
      const at = writeDecimal(jitters.message, jitterHead.length, subrunSeed);
      jitters.hash(copyBytes(jitterTails[k]!, jitters.message, at));
      const raw = (scaleToUnit(jitters.digestWord(0), jitters.digestWord(1)) * 2 - 1) * jitter[k]!.amplitude;
      return dropNegativeZero(roundToDecimals(raw, decimals[k]!)); // as jitterOffset rounds
    },
  };
}

// Short copies: a loop is cheaper than TypedArray.set for a few dozen bytes.
function copyBytes(from: Uint8Array, to: Uint8Array, at: number): number {
  for (let i = 0; i < from.length; i++) to[at + i] = from[i]!;
  return at + from.length;
}

// Writes a 32-bit unsigned integer in decimal, as String(n) would; returns the end.
function writeDecimal(bytes: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n && digits < 10; p *= 10) digits++;
  let rest = n;
  for (let i = at + digits - 1; i >= at; i--) {
    bytes[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}
