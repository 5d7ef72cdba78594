import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RunFault } from '../errors.js';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { openHealthMonitor, type HealthMonitor } from '../health/healthMonitor.js';
import { emptyCounts, type RunHealth, type RunStatus, type StatusCounts, type SubrunSummary } from '../records/recordTypes.js';
import type { PlannedSubrun } from '../plan/types.js';
import { inheritableEnvironment } from './inheritedEnv.js';
import type { RunContext, SubrunScheduler } from './runContext.js';
import { describeFault } from './runFaults.js';
import { countSteps, runSubrun, type SubrunHealthWatch, type SubrunOutcome } from './subrun.js';

// `3 of 12 sub-runs marginal (s04: health: 1 new corrected memory error(s) …)`: the first reason said in full.
function describeMarginal(subruns: SubrunSummary[]): string {
  const marginal = subruns.filter((s) => s.status === 'marginal');
  const first = marginal[0];
  return `${marginal.length} of ${subruns.length} sub-runs marginal${first?.reason ? ` (${first.id}: ${first.reason})` : ''}`;
}

/** The start of the reason of a run that ended because its chunk (RunContext.chunkLimit) was done. */
export const CHUNK_END_REASON = 'chunk ended';

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
  /** Hardware health over the sub-runs that ran here; null when health was not read. */
  health?: RunHealth | null;
  /** The run stopped only because its chunk limit was reached, with sub-runs left for a resume. */
  chunkEnded?: boolean;
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
    duration_ms: 0, counts: countSteps(steps), steps, reason: null, health: null, purpose: sub.purpose ?? 'grid',
  };
}

/** Overall status from the sub-runs: aborted > interrupted > failed (a crashed sub-run too) > marginal > passed. */
export function runStatus(subruns: SubrunSummary[], interrupted: boolean, aborted = false): RunStatus {
  if (aborted || subruns.some((s) => s.status === 'aborted')) return 'aborted';
  if (interrupted || subruns.some((s) => s.status === 'interrupted')) return 'interrupted';
  if (subruns.some((s) => s.status === 'failed' || s.status === 'crashed')) return 'failed';
  if (subruns.some((s) => s.status === 'marginal')) return 'marginal';
  return 'passed';
}

/** Health over a run: the sources as found and the sums of the sub-runs' deltas (null when a source was unavailable). */
export function summarizeHealth(monitor: HealthMonitor, policy: RunHealth['policy'], subruns: SubrunSummary[]): RunHealth {
  const read = subruns.flatMap((s) => (s.health ? [s.health] : []));
  const sum = (pick: (h: NonNullable<SubrunSummary['health']>) => number | null): number | null => {
    const values = read.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
  };
  return {
    policy,
    sources: monitor.sources,
    ce_delta: sum((h) => h.ce_delta),
    ue_delta: sum((h) => h.ue_delta),
    kernel_lines: sum((h) => h.kernel_lines),
    marginal: read.filter((h) => h.verdict === 'marginal').length,
    failed: read.filter((h) => h.verdict === 'failed').length,
  };
}

/**
 * Executes the sub-runs of a plan in order, writing each sub-run's summary.json as it ends.
 * Stops early on an interrupt, an actuator failure, a record that cannot be written or our own
 * bug; the sub-runs not reached stay `planned`. Never throws once a rail may have been touched.
 */
export async function executePlan(given: RunContext): Promise<ExecutionResult> {
  const ctx: RunContext = { ...given, inheritedEnv: given.inheritedEnv ?? inheritableEnvironment() };
  const { plan } = ctx;
  const scheduler = ctx.scheduler;
  const total = scheduler ? scheduler.total : plan.subruns.length;
  const progressCounts = emptyCounts();
  const summaries: SubrunSummary[] = [];
  let stopReason: string | null = null;
  let restoreFailed = false;
  let fault: unknown = null;
  let canRecordPlanned = true;
  // A chunk: after `chunkLimit` sub-runs ran here, the rest are left (planned) for a resume.
  const limit = scheduler ? undefined : ctx.chunkLimit;
  let ranHere = 0;
  let leftByChunk = 0;
  const monitor = ctx.health ? openHealthMonitor(ctx.health.sources) : null;
  const watch = monitor && ctx.health ? { monitor, policy: ctx.health.policy } : undefined;
  if (scheduler) summaries.push(...scheduler.kept);
  try {
    const onSchedulerFault = (error: unknown) => {
      fault ??= error;
      stopReason ??= `search stopped: ${describeFault(error).reason}`;
    };
    const stopped = () => stopReason !== null || ctx.signal.aborted;
    for (const sub of scheduler ? scheduledSubruns(scheduler, stopped, onSchedulerFault) : plan.subruns) {
      let summary: SubrunSummary;
      const kept = ctx.completed?.[sub.id];
      if (kept) {
        summaries.push(kept);
        continue;
      }
      const chunkDone = limit !== undefined && ranHere >= limit;
      const notReached = stopReason !== null || ctx.signal.aborted || chunkDone;
      if (notReached && stopReason === null && !ctx.signal.aborted) leftByChunk++;
      // A scheduled sub-run exists only once it is asked for: after a stop, none is.
      if (notReached && scheduler) break;
      if (notReached) {
        summary = plannedSummary(plan.run_id, sub);
      } else {
        const outcome = await runSubrunSafely(ctx, sub, total, progressCounts, watch);
        ranHere++;
        summary = outcome.summary;
        restoreFailed ||= outcome.restoreFailed;
        if (outcome.fault !== null) fault ??= outcome.fault;
        if (outcome.actuatorFailed || outcome.restoreFailed || outcome.stopRun || outcome.fault !== null) stopReason = `${sub.id}: ${summary.reason}`;
      }
      summaries.push(summary);
      scheduler?.ended(sub, summary);
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
  } finally {
    monitor?.close();
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
  // Only a chunk limit stopped it (no signal, fault or stop): it ends `interrupted`, ready for `run --resume`.
  const chunkEnded = leftByChunk > 0 && !ctx.signal.aborted && stopReason === null && fault === null;
  const status = runStatus(summaries, interrupted || chunkEnded, fault !== null);
  const chunkReason = chunkEnded ? `${CHUNK_END_REASON} after ${ranHere} sub-run(s); ${leftByChunk} left for a resume` : null;
  return {
    status,
    subruns: summaries,
    counts,
    chunkEnded,
    reason: stopReason ?? (byFault ? describeFault(why).reason : interrupted ? `interrupted by ${String(why ?? 'a signal')}` : chunkReason ?? (status === 'marginal' ? describeMarginal(summaries) : null)),
    restoreFailed,
    fault,
    health: monitor && ctx.health ? summarizeHealth(monitor, ctx.health.policy, summaries) : null,
  };
}

// The scheduler's sub-runs, each asked for only after the one before it has ended.
// An error deciding the next one (between sub-runs: every rail at nominal) stops the run as a fault.
function* scheduledSubruns(scheduler: SubrunScheduler, stopped: () => boolean, onFault: (error: unknown) => void): Generator<PlannedSubrun> {
  while (!stopped()) {
    let sub: PlannedSubrun | null;
    try {
      sub = scheduler.next();
    } catch (error) {
      onFault(error);
      return;
    }
    if (sub === null) return;
    yield sub;
  }
}

// runSubrun restores its rails whatever happens inside; an error outside that (before any rail
// is touched, or after all are back) still ends the sub-run as aborted rather than the process.
async function runSubrunSafely(ctx: RunContext, sub: PlannedSubrun, total: number, counts: StatusCounts, watch?: SubrunHealthWatch): Promise<SubrunOutcome> {
  try {
    return await runSubrun(ctx, sub, total, counts, watch);
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
