import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AdapterError, RecordsUnwritableError, RunFault } from '../errors.js';
import type { PlannedStep, PlannedSubrun } from '../plan/types.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import type { HealthMark, HealthMonitor } from '../health/healthMonitor.js';
import { judgeHealth } from '../health/healthVerdict.js';
import {
  emptyCounts, type CorrectedErrorsPolicy, type HealthVerdict, type RunStatus, type StatusCounts, type StepRecord, type SubrunHealth, type SubrunSummary,
} from '../records/recordTypes.js';
import { verifyExecutable } from './executableGuard.js';
import { launch, type LaunchResult, type ScanRules } from './launch.js';
import type { MetricRule } from './scanRules.js';
import { hasSetStarted, restoreRail, setRail, type ActuatorCallRecord, type RailActuator, type RailSetResult } from './rails.js';
import type { RunContext } from './runContext.js';
import { describeFault, recordsProblem } from './runFaults.js';
import { judgeLimits } from './limitVerdict.js';
import { classifyStep } from './stepOutcome.js';

/** The `RR_*` environment of SPEC §9 for one step (or actuator call) of a sub-run. */
export function railEnvironment(ctx: RunContext, sub: PlannedSubrun, margins: Record<string, number>, stepId: string | null): Record<string, string> {
  const env: Record<string, string> = {
    RR_RUN_ID: ctx.plan.run_id,
    RR_SUBRUN_ID: sub.id,
    RR_UNIT: ctx.unit,
    RR_SEED: String(sub.seed),
  };
  if (stepId !== null) env.RR_STEP_ID = stepId;
  for (const [rail, value] of Object.entries(margins)) env[`RR_MARGIN_${rail.toUpperCase()}`] = String(value);
  return env;
}

function scanRulesOf(ctx: RunContext, adapterName: string): ScanRules | undefined {
  const a = ctx.adapters[adapterName]!;
  const metrics = Object.entries(a.metrics ?? {}).map(([name, m]): MetricRule => ({
    name, regex: m.regex, type: m.type ?? 'string', group: m.group, instanceGroup: m.instance_group,
  }));
  const pass = a.pass ?? {};
  if (!pass.stdout_fail_regex && !pass.stdout_pass_regex && metrics.length === 0) return undefined;
  return {
    failRegex: pass.stdout_fail_regex,
    passRegex: pass.stdout_pass_regex,
    metrics,
    stripBackspaces: pass.strip_control ?? false,
    stream: pass.scan ?? 'stdout',
  };
}

function executablePath(ctx: RunContext, argv0: string): string {
  return argv0.includes('/') ? path.join(ctx.root, argv0) : argv0;
}

/**
 * Worst status of a finished sub-run: aborted > interrupted > failed > marginal > passed. A step
 * that passed marginally (metric limits) makes it marginal; `verdict` is what the health readings
 * say of it: it can make a passing sub-run marginal or failed, never better.
 */
export function subrunStatus(steps: StepRecord[], aborted: boolean, verdict: HealthVerdict = 'passed'): RunStatus {
  if (aborted) return 'aborted';
  if (steps.some((s) => s.status === 'interrupted')) return 'interrupted';
  if (verdict === 'failed' || steps.some((s) => s.status === 'failed' || s.status === 'timeout' || s.status === 'error')) return 'failed';
  if (verdict === 'marginal' || steps.some((s) => s.marginal === true)) return 'marginal';
  return 'passed';
}

/** The health readings of a run and the policy that judges them. */
export interface SubrunHealthWatch {
  monitor: HealthMonitor;
  policy: CorrectedErrorsPolicy;
}

/** Tallies step statuses. */
export function countSteps(steps: StepRecord[]): StatusCounts {
  const counts = emptyCounts();
  for (const s of steps) {
    counts[s.status] += 1;
    if (s.marginal === true && s.status === 'passed') counts.marginal += 1;
  }
  return counts;
}

function pendingRecord(step: PlannedStep): StepRecord {
  return {
    index: step.index, step_id: step.step_id, adapter: step.adapter, status: 'skipped', exit_code: null, signal: null,
    duration_ms: 0, started_at: null, ended_at: null, metrics: {}, error: null, log_name: step.log_name,
  };
}

/** How a sub-run ended, beyond its summary. */
export interface SubrunOutcome {
  summary: SubrunSummary;
  actuatorFailed: boolean;
  /** A rail could not be returned to nominal: the caller keeps the journal. */
  restoreFailed: boolean;
  /** A step's executable was not the recorded file: the run stops. */
  stopRun: boolean;
  /** What else stopped it from the inside: records that could not be written, or our own bug. */
  fault: unknown;
}

/**
 * Runs one sub-run: sets its rails, runs its steps in order, and returns every rail it touched
 * to nominal whatever happened (failure, timeout, interrupt, actuator fault, a full disk, our
 * own bug). `counts` is the running total for progress.
 */
export async function runSubrun(ctx: RunContext, sub: PlannedSubrun, total: number, counts: StatusCounts, watch?: SubrunHealthWatch): Promise<SubrunOutcome> {
  const dir = runFolderLayout(ctx.runDir, ctx.plan.run_id).subrunDir(sub.id);
  mkdirSync(path.join(dir, 'stdout'), { recursive: true });
  mkdirSync(path.join(dir, 'stderr'), { recursive: true });
  ctx.journal.setSubrun(sub.id);
  ctx.progress({ kind: 'subrun_start', index: sub.index, total, id: sub.id, margins: sub.margins });
  const startedAt = ctx.now();
  const records = sub.steps.map(pendingRecord);
  const touched = new Set<RailActuator>();
  let reason: string | null = null;
  let actuatorFailed = false;
  let restoreFailed = false;
  let stopRun = false;
  let fault: unknown = null;

  const applyRail = async (act: RailActuator, value: number, target: string, margins: Record<string, number>) => {
    // An actuator that is not the recorded file sets no margin (it is still used to restore nominal).
    const recorded = ctx.executables?.get(act.adapter);
    const refused = recorded === undefined ? null : await verifyExecutable(recorded);
    if (refused !== null) throw new AdapterError(refused);
    ctx.journal.touchRail(act.rail, act.nominal, act.adapter);
    // Touched (restored at the end, kept in the journal) only once its `set` really started:
    // a call refused by the bounds, or one that could not be spawned, changed nothing.
    const wasTouched = touched.has(act);
    touched.add(act);
    const trace: ActuatorCallRecord[] = [];
    const r = await setRail(act, value, ctx.plan.bounds, railEnvironment(ctx, sub, margins, null), trace);
    const started = hasSetStarted(trace);
    if (!started && !wasTouched) touched.delete(act);
    ctx.journal.railSetStarted(act.rail, started);
    ctx.log.append({ event: 'margin_set', run_id: ctx.plan.run_id, subrun_id: sub.id, rail: act.rail, adapter: act.adapter, target, ...r, set_started: started });
    if (!r.ok) {
      const unchanged = started || wasTouched ? '' : ` (its actuator never ran: ${act.rail} was not changed)`;
      throw new AdapterError(`${r.error ?? `${act.rail} could not be set`}${unchanged}`);
    }
  };

  // Health is read before any rail of this sub-run is set, and again once all are back (below).
  const mark = watch ? markHealth(watch.monitor) : null;
  try {
    for (const [rail, value] of Object.entries(sub.margins)) {
      const act = ctx.actuators[rail];
      if (act) await applyRail(act, value, 'default', sub.margins);
    }
    let heldFor: string | null = null;
    let stopRest = false;
    for (const [i, step] of sub.steps.entries()) {
      if (ctx.signal.aborted || stopRest) break;
      const own = sub.adapter_margins[step.adapter] ?? {};
      const margins = { ...sub.margins, ...own };
      if (heldFor !== null && heldFor !== step.adapter) {
        await returnToDefaults(ctx, sub, heldFor);
        heldFor = null;
      }
      if (heldFor === null && Object.keys(own).length > 0) {
        for (const [rail, value] of Object.entries(own)) {
          const act = ctx.actuators[rail];
          if (act) await applyRail(act, value, step.adapter, margins);
        }
        heldFor = step.adapter;
      }
      const ran = await runStep(ctx, sub, step, margins, dir, total, counts);
      records[i] = ran.record;
      if (ran.refused !== null) {
        // The executable is not the one recorded: nothing more of this run may launch it or anything else.
        stopRun = true;
        reason = ran.refused;
        break;
      }
      if (ran.recordsProblem !== null) throw new RecordsUnwritableError(`step ${step.step_id}: ${ran.recordsProblem}`);
      const status = ran.record.status;
      if (status === 'interrupted') break;
      if (status !== 'passed' && step.on_fail === 'stop') stopRest = true;
    }
  } catch (error) {
    if (error instanceof AdapterError) {
      actuatorFailed = true;
      reason = `actuator failure: ${error.message}`;
    } else {
      // A record that cannot be written, or our own bug: the rails still go back below, and
      // the space held for the closing records is freed for them.
      fault = error;
      ctx.reserve?.release();
      reason = describeFault(error).reason;
    }
  } finally {
    const faulted = fault !== null || ctx.signal.reason instanceof RunFault;
    for (const act of touched) {
      const r = await restoreSafely(act, ctx, sub);
      const why = actuatorFailed || faulted ? 'abort' : ctx.signal.aborted ? 'interrupt' : 'end of sub-run';
      appendSafely(ctx, { event: 'margin_restore', run_id: ctx.plan.run_id, subrun_id: sub.id, rail: act.rail, adapter: act.adapter, reason: why, ...r });
      if (!r.ok) {
        restoreFailed = true;
        reason = `${reason ? `${reason}; ` : ''}RAIL NOT RESTORED: ${r.error}`;
      }
    }
  }
  const health = watch && mark ? readHealth(watch, mark) : null;
  if (health) appendSafely(ctx, { event: 'health', run_id: ctx.plan.run_id, subrun_id: sub.id, ...health });
  const endedAt = ctx.now();
  const byFault = ctx.signal.reason instanceof RunFault;
  if (byFault && reason === null) reason = describeFault(ctx.signal.reason).reason;
  const marginalSteps = records.filter((r) => r.marginal === true);
  if (marginalSteps.length > 0 && reason === null) {
    const first = marginalSteps[0]!;
    const more = marginalSteps.length > 1 ? ` (and ${marginalSteps.length - 1} more marginal step(s))` : '';
    reason = `step ${first.step_id} ${first.marginal_reason ?? 'marginal'}${more}`;
  }
  if (health?.reason) reason = reason ? `${reason}; ${health.reason}` : health.reason;
  const status = subrunStatus(records, actuatorFailed || restoreFailed || stopRun || fault !== null || byFault, health?.verdict);
  ctx.progress({ kind: 'subrun_end', index: sub.index, total, id: sub.id, status });
  const summary: SubrunSummary = {
    format: 'road_runner.subrun/1', id: sub.id, run_id: ctx.plan.run_id, index: sub.index, status, seed: sub.seed,
    point: sub.point, margins: sub.margins, adapter_margins: sub.adapter_margins,
    started_at: startedAt.toISOString(), ended_at: endedAt.toISOString(), duration_ms: endedAt.getTime() - startedAt.getTime(),
    counts: countSteps(records), steps: records, reason, health, purpose: sub.purpose ?? 'grid',
  };
  return { summary, actuatorFailed, restoreFailed, stopRun, fault };
}

// The monitor never throws by design; should it (our bug), the sub-run goes on without health.
function markHealth(monitor: HealthMonitor): HealthMark | null {
  try {
    return monitor.before();
  } catch {
    return null;
  }
}

// Deltas since the mark, judged by the policy. Read after the rails are restored: reading never
// keeps the hardware margined longer, and late reports (EDAC polls about once a second) still count.
function readHealth(watch: SubrunHealthWatch, mark: HealthMark): SubrunHealth | null {
  try {
    const readings = watch.monitor.after(mark);
    const { verdict, reason } = judgeHealth(readings, watch.policy);
    const sources = { edac: readings.ce_delta !== null, kernel_log: readings.kernel_lines !== null };
    return { ...readings, verdict, policy: watch.policy, reason, sources };
  } catch {
    return null;
  }
}

// Putting a rail back never throws: a failure is a result, so the other rails are still restored.
async function restoreSafely(act: RailActuator, ctx: RunContext, sub: PlannedSubrun): Promise<RailSetResult> {
  try {
    return await restoreRail(act, ctx.plan.bounds, railEnvironment(ctx, sub, {}, null));
  } catch (error) {
    return { requested: act.nominal, read_back: null, ok: false, error: `restore failed: ${(error as Error).message}` };
  }
}

/** Appends an event on the way out of a sub-run; a full disk gets the reserved space, and a record that still cannot be written is lost, never fatal. */
export function appendSafely(ctx: RunContext, event: object): boolean {
  try {
    ctx.log.append(event);
    return true;
  } catch {
    if (ctx.reserve?.release() !== true) return false;
  }
  try {
    ctx.log.append(event);
    return true;
  } catch {
    return false;
  }
}

// After an adapter's own target, its rails go back to the sub-run's default value, or nominal.
async function returnToDefaults(ctx: RunContext, sub: PlannedSubrun, adapter: string): Promise<void> {
  for (const rail of Object.keys(sub.adapter_margins[adapter] ?? {})) {
    const act = ctx.actuators[rail];
    if (!act) continue;
    const value = sub.margins[rail] ?? act.nominal;
    const r = await setRail(act, value, ctx.plan.bounds, railEnvironment(ctx, sub, sub.margins, null));
    ctx.log.append({ event: 'margin_restore', run_id: ctx.plan.run_id, subrun_id: sub.id, rail, adapter: act.adapter, reason: `end of ${adapter} target`, ...r });
    if (!r.ok) throw new AdapterError(r.error ?? `${rail} could not be returned to ${value}`);
  }
}

// A step whose executable was refused: never started, with the reason as its error.
function refusedResult(reason: string): LaunchResult {
  const at = new Date().toISOString();
  return {
    exitCode: null, signal: null, timedOut: false, interrupted: false, spawnError: reason, failMatched: false, failLine: null, passMatched: false,
    metrics: {}, outputError: null, startedAt: at, endedAt: at, durationMs: 0,
  };
}

/** A finished step, and why the run's records can no longer be written if that is why it failed. */
interface StepRun {
  record: StepRecord;
  recordsProblem: string | null;
  /** Its executable is not the recorded one: the run stops. */
  refused: string | null;
}

async function runStep(ctx: RunContext, sub: PlannedSubrun, step: PlannedStep, margins: Record<string, number>, dir: string, total: number, counts: StatusCounts): Promise<StepRun> {
  const adapter = ctx.adapters[step.adapter]!;
  const base = { run_id: ctx.plan.run_id, subrun_id: sub.id, index: step.index, step_id: step.step_id, adapter: step.adapter };
  ctx.progress({ kind: 'step_start', subrun: sub.index, total, step_id: step.step_id, index: step.index, steps: sub.steps.length });
  ctx.log.append({ event: 'step_start', ...base, argv: step.argv, params: step.params, margins, seed: sub.seed, log_name: step.log_name });
  // The file launched is the one hashed at the start of the run (a stat per step; a hash only if it changed).
  const recorded = ctx.executables?.get(step.adapter);
  const refused = recorded === undefined ? null : await verifyExecutable(recorded);
  let pgid: number | null = null;
  const result = refused !== null ? refusedResult(refused) : await launch({
    file: recorded?.file ?? executablePath(ctx, step.argv[0]!),
    args: step.argv.slice(1),
    cwd: dir,
    env: { ...(adapter.env ?? {}), ...railEnvironment(ctx, sub, margins, step.step_id) },
    inheritedEnv: ctx.inheritedEnv,
    stdoutPath: path.join(dir, 'stdout', step.log_name),
    stderrPath: path.join(dir, 'stderr', step.log_name),
    timeoutMs: step.timeout_s * 1000,
    graceMs: ctx.graceMs,
    scan: scanRulesOf(ctx, step.adapter),
    signal: ctx.signal,
    scope: ctx.processes?.openStep(`${sub.id}/${step.index}`),
    onStart: (id) => {
      pgid = id;
      ctx.journal.addPgid(id);
    },
  });
  if (pgid !== null) ctx.journal.removePgid(pgid);
  let outcome = classifyStep(result, adapter, step.timeout_s);
  let marginalReason: string | null = null;
  if (outcome.status === 'passed') {
    // Metric limits judge only a step that passed on its own terms (SPEC §11).
    const limits = judgeLimits(result.metrics, step.limits, adapter);
    if (limits.status === 'failed') outcome = { status: 'failed', error: limits.reason };
    else if (limits.status === 'marginal') marginalReason = limits.reason;
  }
  const marginal = marginalReason === null ? {} : { marginal: true, marginal_reason: marginalReason };
  let problem: string | null = null;
  if (outcome.status === 'interrupted') {
    const why: unknown = ctx.signal.reason;
    outcome = { status: 'interrupted', error: why instanceof RunFault ? 'stopped: road_runner hit an internal error' : `interrupted by ${String(why ?? 'a signal')}` };
  } else if (outcome.status === 'failed' || outcome.status === 'error') {
    // Failure path only: a diagnostic that failed because the disk holding its logs and
    // working folder is full (or gone, or read-only) did not fail the margin; the run stops.
    problem = recordsProblem(dir);
    if (problem !== null) {
      ctx.reserve?.release();
      outcome = { status: 'error', error: `${problem}; not counted as a margin failure (${outcome.error})` };
    }
  }
  ctx.log.append({
    event: 'step_end', ...base, status: outcome.status, exit_code: result.exitCode, signal: result.signal,
    started_at: result.startedAt, ended_at: result.endedAt, duration_ms: result.durationMs, metrics: result.metrics, error: outcome.error,
    ...(step.limits === undefined ? {} : { marginal: marginalReason !== null }), ...(marginalReason === null ? {} : { marginal_reason: marginalReason }),
  });
  counts[outcome.status] += 1;
  if (marginalReason !== null) counts.marginal += 1;
  ctx.progress({ kind: 'step_end', subrun: sub.index, total, step_id: step.step_id, index: step.index, status: outcome.status, duration_ms: result.durationMs, counts });
  const record: StepRecord = {
    index: step.index, step_id: step.step_id, adapter: step.adapter, status: outcome.status, exit_code: result.exitCode,
    signal: result.signal, duration_ms: result.durationMs, started_at: result.startedAt, ended_at: result.endedAt,
    metrics: result.metrics, error: outcome.error, log_name: step.log_name, ...marginal,
  };
  return { record, recordsProblem: problem, refused };
}
