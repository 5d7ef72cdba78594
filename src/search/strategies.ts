// Where each strategy probes next inside a column whose bracket is still open. Every answer is
// a lattice index strictly inside the open bracket (or the safe end / the edge start), so a
// search never requests a value off the lattice or past a known fail.

import { type ColumnState, withinResolution } from './columnState.js';
import type { SearchSpec } from './types.js';

/**
 * The next lattice index to probe in an open column. `start` is edge's starting index (the
 * previous column's boundary), or null when there is none (the first column): edge then
 * bisects like `binary`.
 */
export function nextIndex(spec: SearchSpec, state: ColumnState, start: number | null): number {
  const n = state.lattice.length;
  const pass = state.lastPass; // -1: no confirmed pass yet
  const fail = state.firstFail === -1 ? n : state.firstFail; // n: no fail yet (virtual fail past the far end)
  if (spec.strategy === 'edge' && start !== null) return nextEdgeIndex(state, start, pass, fail);
  // Every other strategy (and edge's first column) begins at the safe end.
  if (pass === -1) return 0;
  switch (spec.strategy) {
    case 'linear':
      return pass + 1;
    case 'coarse-fine':
      return fail === n ? coarseStepFrom(state.lattice, pass, spec.coarse_step) : midpoint(pass, fail);
    default:
      return midpoint(pass, fail);
  }
}

// Edge: probe the start; from a fail walk inwards with doubling steps (towards the safe end,
// where a long step is harmless) until a confirmed pass; from the last confirmed pass walk
// outwards one lattice step at a time, so the edge is always reached from the passing side and
// no probe lands more than one step past a confirmed pass.
function nextEdgeIndex(state: ColumnState, start: number, pass: number, fail: number): number {
  const n = state.lattice.length;
  if (pass === -1 && fail === n) return start;
  if (pass === -1) {
    const walked = Math.max(0, start - fail);
    return Math.max(0, fail - walked - 1);
  }
  return pass + 1;
}

function midpoint(low: number, high: number): number {
  return Math.floor((low + high) / 2);
}

/**
 * coarse-fine's next coarse point: the farthest lattice index within `coarse_step` rail units
 * of `from`, at least one step on. Without coarse_step the stride is ⌈√n⌉ lattice points.
 */
export function coarseStepFrom(lattice: readonly number[], from: number, coarseStep: number | undefined): number {
  const last = lattice.length - 1;
  if (coarseStep === undefined) return Math.min(last, from + Math.ceil(Math.sqrt(lattice.length)));
  let next = from + 1;
  while (next < last && withinResolution(lattice[next + 1]!, lattice[from]!, coarseStep)) next++;
  return Math.min(last, next);
}
