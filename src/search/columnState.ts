// One column read along its lattice (index 0 = the safe end): each point's status, the
// confirmed bracket (last pass before the first non-passing point), the raw bracket from first
// outcomes only, and the holes — passes beyond a confirmed fail, kept, never smoothed away.

import { type DecideRule, type PointRuns, type PointStatus, statusOf } from './points.js';

/** A column's lattice with what its probes established. Indexes are lattice positions; -1 = none. */
export interface ColumnState {
  lattice: readonly number[];
  runs: (PointRuns | undefined)[];
  statuses: PointStatus[];
  /** First point from the safe end that is decided and not passing (fail or flaky); -1 when none. */
  firstFail: number;
  /** Last confirmed pass before firstFail (anywhere when there is none); -1 when none. */
  lastPass: number;
  /** The same two read from each point's first outcome only. */
  rawFirstFail: number;
  rawLastPass: number;
  /** Points beyond the first confirmed `fail` that passed at least once. */
  holes: number[];
}

/** Reads a column's runs (grouped by value) along its lattice. Runs off the lattice are ignored here. */
export function readColumn(lattice: readonly number[], byValue: Map<number, PointRuns>, rule: DecideRule): ColumnState {
  const runs = lattice.map((value) => byValue.get(value));
  const statuses = runs.map((r) => statusOf(r, rule));
  const firstFail = statuses.findIndex((s) => s === 'fail' || s === 'flaky');
  const lastPass = lastIndexBefore(statuses, firstFail === -1 ? lattice.length : firstFail, (s) => s === 'pass');
  const firstOutcomes = runs.map((r) => r?.outcomes[0]);
  const rawFirstFail = firstOutcomes.indexOf('fail');
  const rawLastPass = lastIndexBefore(firstOutcomes, rawFirstFail === -1 ? lattice.length : rawFirstFail, (o) => o === 'pass');
  const firstConfirmedFail = statuses.indexOf('fail');
  const holes: number[] = [];
  if (firstConfirmedFail !== -1) {
    for (let i = firstConfirmedFail + 1; i < lattice.length; i++) {
      if (runs[i]?.outcomes.includes('pass') === true) holes.push(i);
    }
  }
  return { lattice, runs, statuses, firstFail, lastPass, rawFirstFail, rawLastPass, holes };
}

/** Whether the confirmed bracket is closed: nothing is left to search in this column. */
export function isBracketClosed(state: ColumnState, resolution: number): boolean {
  const { firstFail, lastPass, lattice } = state;
  if (firstFail === 0) return true;
  if (firstFail === -1) return lastPass === lattice.length - 1;
  if (lastPass === -1) return false;
  return firstFail - lastPass <= 1 || withinResolution(lattice[firstFail]!, lattice[lastPass]!, resolution);
}

/** |a − b| ≤ resolution, forgiving the rounding of decimal lattice values (0.90 − 0.85). */
export function withinResolution(a: number, b: number, resolution: number): boolean {
  return Math.abs(a - b) <= resolution + 1e-9 * Math.max(1, Math.abs(resolution));
}

function lastIndexBefore<T>(items: readonly T[], end: number, test: (item: T) => boolean): number {
  for (let i = end - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
