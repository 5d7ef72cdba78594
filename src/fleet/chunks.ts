// Jobs bounded in duration (SPEC §13): a long sweep is split into chunks of sub-runs that
// resume one run, so that no pg-boss job stays active longer than its expiry, and that expiry
// is set from what a chunk can take at most instead of a blanket day.

import { UsageError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import type { ChunkPlan } from './store.js';

/** Allowance per sub-run beyond its steps' timeouts: setting, settling, reading back and restoring rails. */
export const SUBRUN_ALLOWANCE_S = 60;
/** Allowance per chunk: planning or resuming, recovery checks, the closing records and the upload. */
export const CHUNK_ALLOWANCE_S = 300;
/** Without --chunk, a chunk holds as many sub-runs as fit in this bound. */
export const DEFAULT_CHUNK_BOUND_S = 4 * 3600;
/** pg-boss refuses an expiry of 24 h or more; a chunk's expiry stays below this. */
export const MAX_EXPIRE_S = 23 * 3600;

/** The longest a sub-run can take: its steps' timeouts plus the rail allowance. */
export function subrunBoundS(steps: { timeout_s: number }[]): number {
  return steps.reduce((sum, s) => sum + s.timeout_s, 0) + SUBRUN_ALLOWANCE_S;
}

/**
 * Splits a plan into chunks of `requested` sub-runs (or, without it, as many as fit in
 * DEFAULT_CHUNK_BOUND_S, at least one), and bounds each chunk's pg-boss job by the longest
 * chunk. A search decides its sub-runs as it goes: it is one chunk.
 */
export function planChunks(plan: Pick<Plan, 'subruns' | 'search'>, requested: number | undefined): ChunkPlan {
  const bounds = plan.subruns.map((s) => subrunBoundS(s.steps));
  if (plan.search) {
    if (requested !== undefined) throw new UsageError('--chunk applies to grid sweeps: a search decides its sub-runs as it goes and runs as one job', 'leave out --chunk');
    return { size: Math.max(1, plan.subruns.length), total: 1, expireS: MAX_EXPIRE_S };
  }
  const n = bounds.length;
  let size: number;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new UsageError(`--chunk must be a whole number of sub-runs (1 or more), got ${requested}`);
    size = Math.min(requested, Math.max(1, n));
  } else {
    size = largestFitting(bounds, DEFAULT_CHUNK_BOUND_S - CHUNK_ALLOWANCE_S);
  }
  const total = Math.max(1, Math.ceil(n / size));
  let longest = 0;
  for (let i = 0; i < n; i += size) longest = Math.max(longest, bounds.slice(i, i + size).reduce((a, b) => a + b, 0));
  const expireS = longest + CHUNK_ALLOWANCE_S;
  if (expireS > MAX_EXPIRE_S) {
    throw new UsageError(`a chunk of ${size} sub-run(s) may take up to ${Math.ceil(expireS / 3600)} h (its steps' timeouts), longer than a fleet job may stay active (23 h)`,
      'give a smaller --chunk, or shorter step timeouts');
  }
  return { size, total, expireS };
}

// The largest chunk size whose every chunk fits in `budget` seconds (at least 1).
function largestFitting(bounds: number[], budget: number): number {
  const max = Math.max(1, bounds.length);
  for (let size = max; size > 1; size--) {
    let fits = true;
    for (let i = 0; i < bounds.length && fits; i += size) fits = bounds.slice(i, i + size).reduce((a, b) => a + b, 0) <= budget;
    if (fits) return size;
  }
  return 1;
}
