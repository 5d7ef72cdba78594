import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { emptyCounts, type RunStatus, type StatusCounts, type SubrunSummary } from '../records/recordTypes.js';
import type { PlannedSubrun } from '../plan/types.js';
import type { RunContext } from './runContext.js';
import { countSteps, runSubrun } from './subrun.js';

/** How the sub-runs of a run went. */
export interface ExecutionResult {
  status: RunStatus;
  subruns: SubrunSummary[];
  counts: StatusCounts;
  reason: string | null;
  /** A rail could not be returned to nominal: the journal must stay for `recover`. */
  restoreFailed: boolean;
}

/** A summary for a sub-run that never started (after an abort or interrupt, or in a dry run). */
export function plannedSummary(runId: string, sub: PlannedSubrun): SubrunSummary {
  const steps = sub.steps.map((s) => ({
    index: s.index, step_id: s.step_id, adapter: s.adapter, status: 'skipped' as const, exit_code: null, signal: null,
    duration_ms: 0, started_at: null, ended_at: null, metrics: {}, error: null, log_name: s.log_name,
  }));
  return {
    format: 'road_runner.subrun/1', id: sub.id, run_id: runId, index: sub.index, status: 'planned', seed: sub.seed,
    point: sub.point, margins: sub.margins, adapter_margins: sub.adapter_margins, started_at: null, ended_at: null,
    duration_ms: 0, counts: countSteps(steps), steps, reason: null,
  };
}

/** Overall status from the sub-runs: aborted > interrupted > failed > passed. */
export function runStatus(subruns: SubrunSummary[], interrupted: boolean): RunStatus {
  if (subruns.some((s) => s.status === 'aborted')) return 'aborted';
  if (interrupted || subruns.some((s) => s.status === 'interrupted')) return 'interrupted';
  if (subruns.some((s) => s.status === 'failed' || s.status === 'crashed')) return 'failed';
  return 'passed';
}

/**
 * Executes the sub-runs of a plan in order, writing each sub-run's summary.json as it ends.
 * Stops early on an interrupt or an actuator failure; the sub-runs not reached stay `planned`.
 */
export async function executePlan(given: RunContext): Promise<ExecutionResult> {
  const ctx: RunContext = { ...given, inheritedEnv: given.inheritedEnv ?? { ...process.env } };
  const { plan } = ctx;
  const total = plan.subruns.length;
  const progressCounts = emptyCounts();
  const summaries: SubrunSummary[] = [];
  let stopReason: string | null = null;
  let restoreFailed = false;
  for (const sub of plan.subruns) {
    let summary: SubrunSummary;
    const kept = ctx.completed?.[sub.id];
    if (kept) {
      summaries.push(kept);
      continue;
    }
    if (stopReason !== null || ctx.signal.aborted) {
      summary = plannedSummary(plan.run_id, sub);
      mkdirSync(runFolderLayout(ctx.runDir, plan.run_id).subrunDir(sub.id), { recursive: true });
    } else {
      const outcome = await runSubrun(ctx, sub, total, progressCounts);
      summary = outcome.summary;
      restoreFailed ||= outcome.restoreFailed;
      if (outcome.actuatorFailed || outcome.restoreFailed) stopReason = `${sub.id}: ${summary.reason}`;
    }
    summaries.push(summary);
    writeJsonAtomic(path.join(runFolderLayout(ctx.runDir, plan.run_id).subrunDir(sub.id), 'summary.json'), summary);
  }
  ctx.journal.setSubrun(null);
  const counts = emptyCounts();
  for (const s of summaries) for (const [k, v] of Object.entries(s.counts)) counts[k as keyof StatusCounts] += v;
  const interrupted = ctx.signal.aborted;
  return {
    status: runStatus(summaries, interrupted),
    subruns: summaries,
    counts,
    reason: stopReason ?? (interrupted ? `interrupted by ${String(ctx.signal.reason ?? 'a signal')}` : null),
    restoreFailed,
  };
}
