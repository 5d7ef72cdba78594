// The search loop (SPEC §10) as a source of sub-runs for executePlan: each next probe is asked
// of the engine from the history so far, built from its planned (and checked) candidate point
// with its own seed, and numbered in execution order. boundary.json is rewritten after each.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { plannedSummary } from '../execute/executePlan.js';
import type { SubrunScheduler } from '../execute/runContext.js';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { subrunId } from '../records/layout.js';
import type { SubrunSummary } from '../records/recordTypes.js';
import { candidateIndex } from '../plan/searchPlan.js';
import type { Plan, PlannedSubrun } from '../plan/types.js';
import { checkRailValue } from '../safety/bounds.js';
import { probeHistory, writeRunBoundary } from './boundaryRecord.js';
import { nextProbe, probeSeed } from './engine.js';

/**
 * A scheduler for the search of `plan` (which must have `search`), continuing after the
 * sub-runs in `kept` (a resume: their outcomes are the history it starts from). `runDir`
 * receives boundary.json; `onBoundaryError` hears when it could not be written (the run goes on).
 */
export function openSearchScheduler(plan: Plan, runDir: string, kept: SubrunSummary[], onBoundaryError: (error: unknown) => void = () => undefined): SubrunScheduler {
  const search = plan.search;
  if (!search) throw new Error('openSearchScheduler: the plan has no search');
  const { spec, columns } = search;
  const candidates = candidateIndex(plan.subruns, plan.axes, spec.rail);
  const ended: SubrunSummary[] = [...kept];
  let history = probeHistory(plan, ended);
  const total = Math.max(search.worst_case, kept.length + 1);
  const writeBoundary = () => {
    try {
      writeRunBoundary(plan, runDir, ended);
    } catch (error) {
      onBoundaryError(error);
    }
  };
  return {
    kept,
    total,
    next(): PlannedSubrun | null {
      const request = nextProbe(spec, columns, history);
      if (request === null) return null;
      const candidate = candidates.get(`${request.column}|${request.value}`);
      // The engine only asks for lattice values; a point that was not planned is never run.
      if (!candidate) throw new Error(`the search asked for ${spec.rail}=${request.value} in column "${request.column}", which is not a planned point`);
      // The candidate was checked with the whole plan; checked again here, right before it is handed out.
      for (const [rail, value] of [...Object.entries(candidate.margins), ...Object.values(candidate.adapter_margins).flatMap((m) => Object.entries(m))]) {
        const why = checkRailValue(plan.bounds, rail, value);
        if (why) throw new Error(`${candidate.id}: ${why}`);
      }
      const index = ended.length;
      const sub: PlannedSubrun = {
        ...candidate,
        id: subrunId(plan.run_id, index, Math.max(total, index + 1)),
        index,
        seed: probeSeed(plan.seed, request.column, request.value, request.attempt),
        purpose: request.purpose,
      };
      // Recorded as planned before it starts: a crash recovery finds the probe's point and purpose here.
      const dir = runFolderLayout(runDir, plan.run_id).subrunDir(sub.id);
      mkdirSync(dir, { recursive: true });
      writeJsonAtomic(path.join(dir, 'summary.json'), plannedSummary(plan.run_id, sub));
      return sub;
    },
    ended(_sub: PlannedSubrun, summary: SubrunSummary): void {
      ended.push(summary);
      history = probeHistory(plan, ended);
      writeBoundary();
    },
  };
}
