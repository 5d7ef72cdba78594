// boundary.json of a run (SPEC §10), from its plan and the summaries of the sub-runs that ran:
// a search run reads its probes with the search's own confirm/retest rule, a grid run reads
// its sub-runs as `grid` probes along the first swept rail of the default target.

import path from 'node:path';
import { writeJsonAtomic } from '../records/jsonFile.js';
import type { RunStatus, SubrunSummary } from '../records/recordTypes.js';
import type { Plan } from '../plan/types.js';
import { columnKeyOf, gridBoundaryRail, searchColumns } from '../plan/searchPlan.js';
import { boundaryOf, gridBoundary } from './engine.js';
import type { BoundaryFile, ProbeOutcome, ProbeRecord } from './types.js';

/** The file name, in the run folder. */
export const BOUNDARY_FILE = 'boundary.json';

/** What a sub-run says of its point: passed or marginal passes, failed or crashed fails; anything else (never ran, interrupted, aborted) says nothing. */
export function probeOutcomeOf(status: RunStatus): ProbeOutcome | null {
  if (status === 'passed' || status === 'marginal') return 'pass';
  if (status === 'failed' || status === 'crashed') return 'fail';
  return null;
}

/** The probe history of a run: its sub-runs that said something of their point, in execution order. */
export function probeHistory(plan: Plan, subruns: readonly SubrunSummary[]): ProbeRecord[] {
  const rail = plan.search?.spec.rail ?? gridBoundaryRail(plan.axes);
  if (rail === null) return [];
  const out: ProbeRecord[] = [];
  for (const s of subruns) {
    const outcome = probeOutcomeOf(s.status);
    const value = s.point?.[rail];
    if (outcome === null || value === undefined) continue;
    const purpose = plan.search ? (s.purpose === 'grid' || s.purpose === undefined ? 'probe' : s.purpose) : 'grid';
    out.push({ column: columnKeyOf(s.point, plan.axes, rail), value, purpose, outcome, subrun_id: s.id });
  }
  return out;
}

/** boundary.json's content for a run, or null for a grid that sweeps no rail of the default target. */
export function runBoundary(plan: Plan, subruns: readonly SubrunSummary[]): BoundaryFile | null {
  const history = probeHistory(plan, subruns);
  if (plan.search) return boundaryOf(plan.search.spec, plan.search.columns, history, plan.run_id);
  const rail = gridBoundaryRail(plan.axes);
  if (rail === null) return null;
  return gridBoundary(rail, 'down', searchColumns(plan.axes, rail, 'down'), history, plan.run_id);
}

/** Writes boundary.json atomically into the run folder (nothing for a grid without a default-target axis). */
export function writeRunBoundary(plan: Plan, runDir: string, subruns: readonly SubrunSummary[]): void {
  const boundary = runBoundary(plan, subruns);
  if (boundary !== null) writeJsonAtomic(path.join(runDir, BOUNDARY_FILE), boundary);
}
