import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RunFault } from '../errors.js';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { emptyCounts, type RunStatus, type StatusCounts, type SubrunSummary } from '../records/recordTypes.js';
import type { PlannedSubrun } from '../plan/types.js';
import { inheritableEnvironment } from './inheritedEnv.js';
import type { RunContext } from './runContext.js';
import { describeFault } from './runFaults.js';
import { countSteps, runSubrun, type SubrunOutcome } from './subrun.js';

/** How the sub-runs of a run went. */
export interface ExecutionResult {
  status: RunStatus;
  subruns: SubrunSummary[];
  counts: StatusCounts;
  reason: string | null;
  /** A rail could not be returned to nominal: the journal must stay for `recover`. */
  restoreFailed: boolean;
  /** What stopped the run from the inside (a record that could not be written, our own bug), if anything. */
  fault: unknown;
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
export function runStatus(subruns: SubrunSummary[], interrupted: boolean, aborted = false): RunStatus {
  if (aborted || subruns.some((s) => s.status === 'aborted')) return 'aborted';
  if (interrupted || subruns.some((s) => s.status === 'interrupted')) return 'interrupted';
  if (subruns.some((s) => s.status === 'failed' || s.status === 'crashed')) return 'failed';
  return 'passed';
}

/**
 * Executes the sub-runs of a plan in order, writing each sub-run's summary.json as it ends.
 * Stops early on an interrupt, an actuator failure, a record that cannot be written or our own
 * bug; the sub-runs not reached stay `planned`. Never throws once a rail may have been touched.
 */
export async function executePlan(given: RunContext): Promise<ExecutionResult> {
  const ctx: RunContext = { ...given, inheritedEnv: given.inheritedEnv ?? inheritableEnvironment() };
  const { plan } = ctx;
  const total = plan.subruns.length;
  const progressCounts = emptyCounts();
  const summaries: SubrunSummary[] = [];
  let stopReason: string | null = null;
  let restoreFailed = false;
  let fault: unknown = null;
  let canRecordPlanned = true;
  for (const sub of plan.subruns) {
    let summary: SubrunSummary;
    const kept = ctx.completed?.[sub.id];
    if (kept) {
      summaries.push(kept);
      continue;
    }
    const notReached = stopReason !== null || ctx.signal.aborted;
    if (notReached) {
      summary = plannedSummary(plan.run_id, sub);
    } else {
      const outcome = await runSubrunSafely(ctx, sub, total, progressCounts);
      summary = outcome.summary;
      restoreFailed ||= outcome.restoreFailed;
      if (outcome.fault !== null) fault ??= outcome.fault;
      if (outcome.actuatorFailed || outcome.restoreFailed || outcome.stopRun || outcome.fault !== null) stopReason = `${sub.id}: ${summary.reason}`;
    }
    summaries.push(summary);
    // A planned sub-run's summary only repeats the plan: once one cannot be written, the rest are not tried.
    if (notReached && !canRecordPlanned) continue;
    const written = recordSubrun(ctx, sub.id, summary);
    if (written === null) continue;
    if (notReached) canRecordPlanned = false;
    else {
      fault ??= written;
      stopReason ??= `${sub.id}: ${describeFault(written).reason}`;
    }
  }
  try {
    ctx.journal.setSubrun(null);
  } catch {
    /* the journal is removed next, or kept as it is for recovery */
  }
  const counts = emptyCounts();
  for (const s of summaries) for (const [k, v] of Object.entries(s.counts)) counts[k as keyof StatusCounts] += v;
  const why: unknown = ctx.signal.reason;
  const byFault = why instanceof RunFault;
  fault ??= byFault ? why : null;
  const interrupted = ctx.signal.aborted && !byFault;
  return {
    status: runStatus(summaries, interrupted, fault !== null),
    subruns: summaries,
    counts,
    reason: stopReason ?? (byFault ? describeFault(why).reason : interrupted ? `interrupted by ${String(why ?? 'a signal')}` : null),
    restoreFailed,
    fault,
  };
}

// runSubrun restores its rails whatever happens inside; an error outside that (before any rail
// is touched, or after all are back) still ends the sub-run as aborted rather than the process.
async function runSubrunSafely(ctx: RunContext, sub: PlannedSubrun, total: number, counts: StatusCounts): Promise<SubrunOutcome> {
  try {
    return await runSubrun(ctx, sub, total, counts);
  } catch (error) {
    ctx.reserve?.release();
    const summary: SubrunSummary = { ...plannedSummary(ctx.plan.run_id, sub), status: 'aborted', reason: describeFault(error).reason };
    return { summary, actuatorFailed: false, restoreFailed: false, stopRun: false, fault: error };
  }
}

// Writes a sub-run's summary.json; on a full disk once more with the reserved space. Returns the
// first error even when the second try worked: without the reserve the run must not go on.
function recordSubrun(ctx: RunContext, id: string, summary: SubrunSummary): unknown {
  const write = () => {
    const dir = runFolderLayout(ctx.runDir, ctx.plan.run_id).subrunDir(id);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, 'summary.json'), summary);
  };
  try {
    write();
    return null;
  } catch (error) {
    if (ctx.reserve?.release() === true) {
      try {
        write();
      } catch {
        /* the run summary still says why */
      }
    }
    return error;
  }
}
