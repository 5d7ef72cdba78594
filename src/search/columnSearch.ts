// One column's next probe: finish the point in hand (its confirm or retest runs), retest the
// holes, then ask the strategy. Shared by the engine and the probe estimate.
//
// With `explore: single` a column has two phases. Exploring: the strategy's probes run once
// each (nothing confirmed) until the single-run bracket is closed. Confirming: starting one or
// two lattice steps on the safe side of that edge (edge's following columns skip exploring and
// start where the previous columns' trend predicts), each point is run until it fails or has
// `confirm` passes; a confirmed point moves the walk one step towards the far end, a failing
// start moves it towards the safe end. So the final candidate is always approached from the
// passing side, and only the points next to the edge are confirmed.

import { type ColumnState, isBracketClosed } from './columnState.js';
import type { DecideRule } from './points.js';
import { nextIndex } from './strategies.js';
import type { ProbeRequest, SearchColumn, SearchSpec } from './types.js';

/**
 * The next probe inside one column, or null when the column is decided. `previous` holds the
 * boundaries (confirmed last passes) of the columns searched before this one, in order.
 */
export function nextInColumn(spec: SearchSpec, column: SearchColumn, state: ColumnState, previous: readonly number[]): ProbeRequest | null {
  const attemptsAt = (index: number): number => state.runs[index]?.outcomes.length ?? 0;
  const ask = (index: number, purpose: ProbeRequest['purpose']): ProbeRequest => ({ column: column.key, value: column.lattice[index]!, purpose, attempt: attemptsAt(index) });

  const pending = state.statuses.findIndex((s) => s === 'confirming' || s === 'retesting');
  if (pending !== -1) return ask(pending, state.statuses[pending] === 'confirming' ? 'confirm' : 'retest');
  const hole = state.holes.find((index) => attemptsAt(index) < holeRuns(spec));
  if (hole !== undefined) return ask(hole, 'retest');
  if (isBracketClosed(state, spec.resolution)) return null;
  const indexes = previous.map((value) => nearestIndex(column.lattice, value));
  if (spec.explore === 'single') {
    const next = nextSingleShot(spec, state, indexes);
    return ask(next.index, next.purpose);
  }
  // Edge starts one lattice step on the safe side of the previous column's boundary, so that it
  // usually reaches the new edge from the passing side (fewer flaky-band points tried from below).
  const last = indexes.at(-1);
  const start = last === undefined ? null : Math.max(0, last - 1);
  return ask(nextIndex(spec, state, start), 'probe');
}

// explore: single. Exploring (no confirming run in the column yet): the strategy's next probe
// read on the single-run bracket; edge's following columns skip it and start at the trend's
// prediction. Confirming: from the last confirmed pass one step towards the far end; with no
// confirmed pass yet (every confirming point failed), one step towards the safe end of the
// first fail. Stepping up one point at a time costs one run per point that fails outright and
// lands on the first passing point, never above it (each point above costs `confirm` runs).
// With `screen` > 0, the point past a confirmed pass first gets that many single runs (purpose
// probe, counted with any exploring runs it already has): it is the candidate that may lie in a
// flaky band, and a screening fail decides it at once, while a screening pass does not count
// towards its confirmation (statusOf). The start of the walk and the points it climbs back to
// are not screened: they are not reached past a confirmed pass.
function nextSingleShot(spec: SearchSpec, state: ColumnState, previous: readonly number[]): { index: number; purpose: ProbeRequest['purpose'] } {
  const confirming = state.runs.some((r) => r?.purposes.includes('confirm') === true);
  if (!confirming) {
    const predicted = spec.strategy === 'edge' ? predictEdgeStart(previous, state.lattice.length, spec.trend_min) : null;
    if (predicted !== null) return { index: predicted, purpose: 'confirm' };
    const raw = { ...state, lastPass: state.rawLastPass, firstFail: state.rawFirstFail };
    if (!isBracketClosed(raw, spec.resolution)) return { index: nextIndex(spec, raw, null), purpose: 'probe' };
    return { index: Math.max(0, state.rawLastPass - EXPLORED_START_OFFSET), purpose: 'confirm' };
  }
  if (state.lastPass !== -1) {
    // The point past a confirmed pass is the one that may lie in a flaky band: screen it first.
    const next = state.lastPass + 1;
    const purposes = state.runs[next]?.purposes ?? [];
    const screened = purposes.filter((p) => p === 'probe').length;
    if (!purposes.includes('confirm') && screened < (spec.screen ?? 0)) return { index: next, purpose: 'probe' };
    return { index: next, purpose: 'confirm' };
  }
  return { index: Math.max(0, state.firstFail - 1), purpose: 'confirm' };
}

/**
 * Confirming after exploring starts this many lattice steps on the safe side of the single-run
 * last pass: single runs pass inside a flaky band most of the time, so that last pass is
 * usually inside the band, one to three points past the always-passing side.
 */
const EXPLORED_START_OFFSET = 2;

/** How many previous boundaries edge fits its trend line through. */
const TREND_COLUMNS = 8;

/** The prediction is rounded this far (lattice steps) towards the safe side. */
const SAFE_SIDE_BIAS = 0.25;

/**
 * Where edge's confirming starts in a following column (`explore: single`): the boundaries of
 * the last TREND_COLUMNS columns (as lattice indexes) fitted with a least-squares line,
 * extrapolated one column on, rounded a quarter step to the safe side, and never past the
 * previous column's boundary (so the walk reaches a falling edge from the passing side). With
 * fewer than `trendMin` boundaries (the search's `trend_min`, default 2) the slope is not
 * trusted yet: the start is the previous boundary.
 */
export function predictEdgeStart(previous: readonly number[], n: number, trendMin = 2): number | null {
  const last = previous.at(-1);
  if (last === undefined) return null;
  const ys = previous.length < trendMin ? [last] : previous.slice(-TREND_COLUMNS);
  const predicted = Math.min(last, extrapolateLine(ys));
  return Math.min(n - 1, Math.max(0, Math.round(predicted - SAFE_SIDE_BIAS)));
}

/** The least-squares line through (0, ys[0]) … (m − 1, ys[m − 1]), evaluated at m; the value itself for one point. */
export function extrapolateLine(ys: readonly number[]): number {
  const m = ys.length;
  if (m === 1) return ys[0]!;
  const meanX = (m - 1) / 2;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / m;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, x) => {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  });
  return meanY + (sxy / sxx) * (m - meanX);
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
