// One column's next probe: finish the point in hand (its confirm or retest runs), retest the
// holes, then ask the strategy. Shared by the engine and the probe estimate.

import { type ColumnState, isBracketClosed } from './columnState.js';
import type { DecideRule } from './points.js';
import { nextIndex } from './strategies.js';
import type { ProbeRequest, SearchColumn, SearchSpec } from './types.js';

/** The next probe inside one column, or null when the column is decided. */
export function nextInColumn(spec: SearchSpec, column: SearchColumn, state: ColumnState, previousBoundary: number | null): ProbeRequest | null {
  const attemptsAt = (index: number): number => state.runs[index]?.outcomes.length ?? 0;
  const ask = (index: number, purpose: ProbeRequest['purpose']): ProbeRequest => ({ column: column.key, value: column.lattice[index]!, purpose, attempt: attemptsAt(index) });

  const pending = state.statuses.findIndex((s) => s === 'confirming' || s === 'retesting');
  if (pending !== -1) return ask(pending, state.statuses[pending] === 'confirming' ? 'confirm' : 'retest');
  const hole = state.holes.find((index) => attemptsAt(index) < holeRuns(spec));
  if (hole !== undefined) return ask(hole, 'retest');
  if (isBracketClosed(state, spec.resolution)) return null;
  // Edge starts one lattice step on the safe side of the previous column's boundary, so that it
  // usually reaches the new edge from the passing side (fewer flaky-band points tried from below).
  const start = previousBoundary === null ? null : Math.max(0, nearestIndex(column.lattice, previousBoundary) - 1);
  return ask(nextIndex(spec, state, start), 'probe');
}

/** How many runs a hole gets in all: enough to confirm it and to retest it at least once. */
export function holeRuns(rule: DecideRule): number {
  return Math.max(1, rule.confirm) + Math.max(1, rule.retest);
}

/** The index of the lattice value nearest to `value`; a tie goes to the safe side (lower index). */
export function nearestIndex(lattice: readonly number[], value: number): number {
  let best = 0;
  for (let i = 1; i < lattice.length; i++) {
    if (Math.abs(lattice[i]! - value) < Math.abs(lattice[best]! - value)) best = i;
  }
  return best;
}

