// The plan side of an adaptive search (SPEC §10): the search block with its defaults, the
// columns and their lattices read off the plan's axes, and the candidate point behind each
// (column, value) pair. Pure: the executor and `plan` both call these on plain plan data.

import type { Margin } from '../config/schemas/index.js';
import type { SearchColumn, SearchSpec } from '../search/types.js';
import type { PlannedAxis, PlannedSubrun } from './types.js';

/** What plan.json records about a search: the spec (defaults filled in), the columns and the probe estimate. */
export interface PlanSearch {
  spec: SearchSpec;
  /** Columns in search order; each lattice ordered from the safe end. */
  columns: SearchColumn[];
  /** Most probes the search can take (retests of holes aside). */
  worst_case: number;
  /** Probes expected on a well-behaved part. */
  expected: number;
}

/** The margin's search block with every default filled in. */
export function searchSpecOf(search: NonNullable<Margin['search']>): SearchSpec {
  const spec: SearchSpec = {
    rail: search.rail,
    direction: search.direction ?? 'down',
    strategy: search.strategy,
    resolution: search.resolution,
    confirm: search.confirm ?? 1,
    retest: search.retest ?? 0,
    guard_band: search.guard_band ?? 0,
  };
  if (search.coarse_step !== undefined) spec.coarse_step = search.coarse_step;
  if (search.explore !== undefined) spec.explore = search.explore;
  if (search.screen !== undefined) spec.screen = search.screen;
  if (search.trend_min !== undefined) spec.trend_min = search.trend_min;
  return spec;
}

/** Column key of a point: `axis=value` of every axis but the searched rail, in axis order (`''` when there is none). */
export function columnKeyOf(point: Record<string, number>, axes: readonly PlannedAxis[], rail: string): string {
  return axes.filter((a) => a.name !== rail).map((a) => `${a.name}=${point[a.name]}`).join(',');
}

/**
 * The columns of a sweep searched along `rail` (an axis of the default target): one per
 * combination of the other axes, in plan order; each lattice runs from the safe end
 * (the highest value for `down`, the lowest for `up`).
 */
export function searchColumns(axes: readonly PlannedAxis[], rail: string, direction: SearchSpec['direction']): SearchColumn[] {
  const searched = axes.find((a) => a.name === rail);
  if (!searched) return [];
  const unique = [...new Set(searched.values)];
  const lattice = unique.sort((a, b) => (direction === 'down' ? b - a : a - b));
  const others = axes.filter((a) => a.name !== rail);
  let combos: Record<string, number>[] = [{}];
  for (const axis of others) combos = combos.flatMap((c) => [...new Set(axis.values)].map((v) => ({ ...c, [axis.name]: v })));
  return combos.map((c) => ({ key: columnKeyOf(c, others, rail), axes: c, lattice: [...lattice] }));
}

/** Candidate lookup: the planned point of each (column, value). */
export function candidateIndex(subruns: readonly PlannedSubrun[], axes: readonly PlannedAxis[], rail: string): Map<string, PlannedSubrun> {
  const out = new Map<string, PlannedSubrun>();
  for (const sub of subruns) {
    const value = sub.point[rail];
    if (value === undefined) continue;
    const key = `${columnKeyOf(sub.point, axes, rail)}|${value}`;
    if (!out.has(key)) out.set(key, sub);
  }
  return out;
}

/** The rail a grid run's boundary is read along: the searched rail, or the first swept rail of the default target. */
export function gridBoundaryRail(axes: readonly PlannedAxis[]): string | null {
  return axes.find((a) => a.target === 'default')?.rail ?? null;
}

/** The id of candidate point `index` of `count` in a search plan: `<RUN_ID>-pNN` (sub-run ids `-sNN` name the probes as they run). */
export function candidateId(runId: string, index: number, count: number): string {
  const width = Math.max(2, String(Math.max(count - 1, index)).length);
  return `${runId}-p${String(index).padStart(width, '0')}`;
}
