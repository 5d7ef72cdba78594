import { hash } from 'node:crypto';

/** A 32-bit unsigned integer from the sha256 of a text: stable across versions and machines. */
export function hashToUint32(text: string): number {
  return hash('sha256', text, 'buffer').readUInt32BE(0);
}

/** A uniform number in [0, 1) from the sha256 of a text. */
export function hashToUnit(text: string): number {
  // One-shot hash: a plan of 100,000 points hashes 200,000 short texts.
  const digest = hash('sha256', text, 'buffer');
  // 53 bits: the full precision of a double.
  const high = digest.readUInt32BE(0) >>> 5;
  const low = digest.readUInt32BE(4) >>> 6;
  return (high * 67108864 + low) / 9007199254740992;
}

/**
 * A sub-run's seed: hashed from the global seed and the margin point (as `target.rail=value`
 * pairs in expansion order), so the same point of the same sweep always gets the same seed.
 */
export function deriveSubrunSeed(globalSeed: number, point: [string, number][]): number {
  const canonical = point.map(([key, value]) => `${key}=${value}`).join(',');
  return hashToUint32(`road_runner/subrun-seed/v1|${globalSeed}|${canonical}`);
}

/**
 * Seeded uniform jitter in [-amplitude, +amplitude], rounded to the decimals the amplitude is
 * written with (amplitude 5 gives whole numbers, 0.5 gives tenths).
 */
export function jitterOffset(subrunSeed: number, key: string, amplitude: number): number {
  if (amplitude === 0) return 0;
  const u = hashToUnit(`road_runner/jitter/v1|${subrunSeed}|${key}`);
  const raw = (u * 2 - 1) * amplitude;
  const text = String(amplitude);
  const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  const rounded = Number(raw.toFixed(decimals));
  return Object.is(rounded, -0) ? 0 : rounded;
}
