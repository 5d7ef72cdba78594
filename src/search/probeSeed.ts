// Each probe's seed: hashed from the global seed, the point (column and value) and the attempt,
// so repeats of a point are independent draws while the whole sequence stays reproducible.

import { hashToUint32 } from '../plan/seed.js';

// Pinned: changing this text changes the seed of every probe of every search run.
const probeSeedPrefix = 'road_runner/probe-seed/v1|';

/** A deterministic 32-bit seed for attempt `attempt` (0 = first run) of `value` in `column`. */
export function probeSeed(globalSeed: number, column: string, value: number, attempt: number): number {
  return hashToUint32(`${probeSeedPrefix}${globalSeed}|${column}|${value}|${attempt}`);
}
