// The search engine (SPEC §10): a pure function from the search spec, the columns and the probe
// history to the next probe, and from the same inputs to boundary.json. Nothing here keeps
// state between calls, so a resumed run that replays its history asks for exactly the probe
// an uninterrupted run would have asked for.

import { readColumn } from './columnState.js';
import { nextInColumn } from './columnSearch.js';
import { type DecideRule, groupRuns, pointVerdicts, SINGLE_RUN } from './points.js';
import type { BoundaryColumn, BoundaryFile, ProbeRecord, ProbeRequest, SearchColumn, SearchSpec } from './types.js';

export { pointVerdicts, type PointTally } from './points.js';
export { probeSeed } from './probeSeed.js';
export { probeEstimate, type ProbeEstimate } from './estimate.js';
export { holeRuns, nearestIndex, nextInColumn } from './columnSearch.js';

/**
 * The next probe, or null when every column is decided. Columns are searched one after another
 * in the given order; inside a column, a point waiting for its confirm or retest runs comes
 * first, then holes still to retest, then the strategy's next point.
 */
export function nextProbe(spec: SearchSpec, columns: readonly SearchColumn[], history: readonly ProbeRecord[]): ProbeRequest | null {
  const previous: number[] = [];
  for (const column of columns) {
    const byValue = groupRuns(history, column.key);
    const state = readColumn(column.lattice, byValue, spec);
    const request = nextInColumn(spec, column, state, previous);
    if (request !== null) return request;
    if (state.lastPass !== -1 && state.firstFail !== 0) previous.push(column.lattice[state.lastPass]!);
  }
  return null;
}

/** boundary.json of a search run: every column read with the search's confirm/retest rule. */
export function boundaryOf(spec: SearchSpec, columns: readonly SearchColumn[], history: readonly ProbeRecord[], runId: string): BoundaryFile {
  return {
    format: 'road_runner.boundary/1',
    run_id: runId,
    rail: spec.rail,
    direction: spec.direction,
    strategy: spec.strategy,
    resolution: spec.resolution,
    guard_band: spec.guard_band,
    columns: columns.map((column) => boundaryColumn(column, history, spec, spec)),
  };
}

/**
 * boundary.json of a full grid run (its sub-runs read as `grid` probes): each point decided by
 * its own runs, no guard band; the resolution is the lattice's smallest step.
 */
export function gridBoundary(rail: string, direction: SearchSpec['direction'], columns: readonly SearchColumn[], history: readonly ProbeRecord[], runId: string): BoundaryFile {
  const shape = { direction, guard_band: 0 };
  return {
    format: 'road_runner.boundary/1',
    run_id: runId,
    rail,
    direction,
    strategy: 'grid',
    resolution: smallestStep(columns),
    guard_band: 0,
    columns: columns.map((column) => boundaryColumn(column, history, SINGLE_RUN, shape)),
  };
}

function boundaryColumn(column: SearchColumn, history: readonly ProbeRecord[], rule: DecideRule, shape: Pick<SearchSpec, 'direction' | 'guard_band'>): BoundaryColumn {
  const byValue = groupRuns(history, column.key);
  const state = readColumn(column.lattice, byValue, rule);
  const at = (index: number): number | null => (index === -1 ? null : column.lattice[index]!);
  const confirmed = state.firstFail === 0 ? null : at(state.lastPass);
  const points = pointVerdicts(history, column.key).map(({ subruns, ...tally }) => (subruns.length > 0 ? { ...tally, subruns } : tally));
  const probes = points.reduce((sum, p) => sum + p.passes + p.fails, 0);
  return {
    axes: { ...column.axes },
    raw: state.rawFirstFail === 0 ? null : at(state.rawLastPass),
    confirmed,
    guard_banded: confirmed === null ? null : guardBand(confirmed, shape),
    last_pass: at(state.lastPass),
    first_fail: at(state.firstFail),
    probes,
    points,
    flaky: points.filter((p) => p.verdict === 'flaky').map((p) => p.value),
    holes: state.holes.map((index) => column.lattice[index]!),
  };
}

/** The confirmed boundary moved `guard_band` towards the safe side (up for Vmin, down for Fmax). */
function guardBand(confirmed: number, shape: Pick<SearchSpec, 'direction' | 'guard_band'>): number {
  const moved = shape.direction === 'down' ? confirmed + shape.guard_band : confirmed - shape.guard_band;
  return Number(moved.toPrecision(12));
}

function smallestStep(columns: readonly SearchColumn[]): number {
  let step = Number.POSITIVE_INFINITY;
  for (const { lattice } of columns) {
    for (let i = 1; i < lattice.length; i++) step = Math.min(step, Math.abs(lattice[i]! - lattice[i - 1]!));
  }
  return Number.isFinite(step) ? Number(step.toPrecision(12)) : 0;
}
