// How many probes a search will take, for `plan`: a worst case that holds for any part, and
// the expected count on a well-behaved part (monotone, no flaky band, boundary anywhere on the
// lattice with equal odds, the same in every column), found by running the engine itself.

import { nextInColumn } from './columnSearch.js';
import { readColumn } from './columnState.js';
import { type DecideRule, groupRuns } from './points.js';
import { coarseStepFrom } from './strategies.js';
import type { ProbeRecord, SearchColumn, SearchSpec } from './types.js';

export interface ProbeEstimate {
  /** No search of these columns takes more probes than this (holes' retests aside). */
  worstCase: number;
  /** Mean probes over monotone parts whose boundary is uniform over the lattice. */
  expected: number;
}

// Past this many lattice points the expected count is interpolated from a sample of boundaries.
const maxSimulatedBoundaries = 65;

/** The worst-case and expected probes of a search over these columns. */
export function probeEstimate(spec: SearchSpec, columns: readonly SearchColumn[]): ProbeEstimate {
  let worstCase = 0;
  let expected = 0;
  columns.forEach((column, i) => {
    const edgeFollower = spec.strategy === 'edge' && i > 0;
    worstCase += spec.explore === 'single' ? worstSingleShot(spec, column.lattice) : worstPoints(spec, column.lattice, edgeFollower) * worstRunsPerPoint(spec);
    expected += expectedProbes(spec, column, edgeFollower);
  });
  return { worstCase, expected: Math.round(expected * 10) / 10 };
}

/** A point takes at most confirm − 1 passes, a fail, and `retest` more runs. */
function worstRunsPerPoint(rule: DecideRule): number {
  return Math.max(1, rule.confirm) + rule.retest;
}

/**
 * explore: single: the exploring probes (one run each, plus the retests of a fail; an edge
 * column explores when no earlier column found a boundary), then a confirming walk over at
 * most every point, each screened `screen` times first.
 */
function worstSingleShot(spec: SearchSpec, lattice: readonly number[]): number {
  return worstPoints(spec, lattice, false) * (1 + spec.retest) + lattice.length * (worstRunsPerPoint(spec) + (spec.screen ?? 0));
}

function worstPoints(spec: SearchSpec, lattice: readonly number[], edgeFollower: boolean): number {
  const n = lattice.length;
  const bisections = (width: number): number => Math.ceil(Math.log2(Math.max(1, width)));
  if (spec.strategy === 'linear' || edgeFollower) return n;
  if (spec.strategy === 'coarse-fine') {
    let coarse = 1;
    let widest = 1;
    for (let at = 0; at < n - 1; coarse++) {
      const next = coarseStepFrom(lattice, at, spec.coarse_step);
      widest = Math.max(widest, next - at);
      at = next;
    }
    return Math.min(n, coarse + bisections(widest));
  }
  return Math.min(n, 1 + bisections(n));
}

// Runs the engine's own column search against a perfect part for every boundary position.
function expectedProbes(spec: SearchSpec, column: SearchColumn, edgeFollower: boolean): number {
  const n = column.lattice.length;
  const positions = sampledPositions(n);
  let total = 0;
  for (const lastPassing of positions) {
    // An edge column after the first starts at the previous column's boundary: here, the same one.
    const start = edgeFollower ? Math.max(0, lastPassing) : null;
    total += searchPerfectColumn(spec, column.lattice, lastPassing, start);
  }
  return total / positions.length;
}

/** Boundary positions -1 (safe end fails) … n − 1 (all pass), thinned out on long lattices. */
function sampledPositions(n: number): number[] {
  const all = n + 1;
  const count = Math.min(all, maxSimulatedBoundaries);
  const positions: number[] = [];
  for (let k = 0; k < count; k++) positions.push(Math.round((k * (all - 1)) / Math.max(1, count - 1)) - 1);
  return [...new Set(positions)];
}

function searchPerfectColumn(spec: SearchSpec, lattice: readonly number[], lastPassing: number, start: number | null): number {
  const history: ProbeRecord[] = [];
  const limit = lattice.length * worstRunsPerPoint(spec) + 1;
  for (let step = 0; step < limit; step++) {
    const state = readColumn(lattice, groupRuns(history, ''), spec);
    const request = nextInColumn(spec, { key: '', axes: {}, lattice: [...lattice] }, state, start === null ? [] : [lattice[start]!]);
    if (request === null) return history.length;
    const index = lattice.indexOf(request.value);
    history.push({ column: '', value: request.value, purpose: request.purpose, outcome: index <= lastPassing ? 'pass' : 'fail' });
  }
  return history.length;
}
