import { existsSync } from 'node:fs';
import path from 'node:path';
import { SafetyViolationError, UsageError } from '../errors.js';
import { decideBounds } from '../plan/planSweep.js';
import { collectCrashEvidence } from '../records/crashEvidence.js';
import { readJsonFile, writeJsonAtomic } from '../records/jsonFile.js';
import { runsDir } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import type { SubrunSummary } from '../records/recordTypes.js';
import { boundsInForceNow } from '../safety/boundsNow.js';
import { checkPlan } from '../safety/checkPlan.js';
import { readBootId } from '../execute/runSummary.js';
import { loadHost } from '../workspace/host.js';
import type { CommandContext } from './context.js';
import { loadRecordedInputs, readRecordedRun } from './recordedInputs.js';
import { startRun } from './startRun.js';

export interface ResumeOptions {
  runId: string;
  /** --json: the sink for the outcome document (see StartRequest.json). */
  json?: (line: string) => void;
  yes: boolean;
  retryCrashed: boolean;
  graceS: number;
  /** Run at most this many of the sub-runs left (a fleet job's chunk). */
  chunkLimit?: number;
}

const finished = new Set(['passed', 'marginal', 'failed', 'aborted']);

/**
 * `run --resume ID`: continues an interrupted or crashed run in its own folder from its own
 * plan and inputs/ copies. Finished sub-runs stay as they are; the sub-run that was active
 * when road_runner or the host died stays `crashed` unless --retry-crashed.
 */
export async function resumeRun(ctx: CommandContext, opts: ResumeOptions): Promise<number> {
  // A crash journal of this run is recovered first, so its active sub-run is marked crashed.
  const { recoverOrphan } = await import('../execute/recover.js');
  const { acquireRunLock } = await import('../records/lock.js');
  readRecordedRun(ctx.root, opts.runId);
  const lock = await acquireRunLock(runsDir(ctx.root), { run_id: opts.runId });
  try {
    const { loadValidators } = await import('../config/validate.js');
    const validators = await loadValidators();
    const hostNow = await loadHost(validators, ctx.cwd, ctx.hostFile, ctx.root);
    const report = await recoverOrphan(ctx.root, validators, ctx.env.PATH ?? '', opts.graceS * 1000, hostNow.facts);
    if (report) ctx.err(`recovered crashed run ${report.run_id} first; it is marked crashed`);
  } finally {
    await lock.release();
  }
  const run = readRecordedRun(ctx.root, opts.runId);
  const { plan, summary } = run;
  if (summary.dry_run) throw new UsageError(`run ${plan.run_id} was a dry run; there is nothing to resume`, 'start a new run without --dry-run');
  if (finished.has(summary.status)) {
    throw new UsageError(`run ${plan.run_id} is already complete (status ${summary.status}); it cannot be resumed`, 'start a new run, or use road_runner rerun-last');
  }
  const completed: Record<string, SubrunSummary> = {};
  const crashed: string[] = [];
  const layout = runFolderLayout(run.dir, plan.run_id);
  if (plan.search) return resumeSearch(ctx, opts, run, layout);
  for (const sub of plan.subruns) {
    const file = path.join(layout.subrunDir(sub.id), 'summary.json');
    if (!existsSync(file)) continue;
    const s = readJsonFile(file, `summary of sub-run ${sub.id}`) as SubrunSummary;
    if (s === null || typeof s !== 'object' || typeof (s as { status?: unknown }).status !== 'string') {
      throw new UsageError(`summary of sub-run ${sub.id} has the wrong shape: ${file}: no status`,
        'the record was written by an older road_runner or damaged; restore the file from a copy, or start a new run');
    }
    if (finished.has(s.status)) completed[sub.id] = s;
    if (s.status === 'crashed') {
      crashed.push(sub.id);
      if (!opts.retryCrashed) completed[sub.id] = s;
    }
  }
  if (Object.keys(completed).length === plan.subruns.length) {
    throw new UsageError(`every sub-run of ${plan.run_id} is finished or crashed; nothing is left to run`,
      crashed.length > 0 ? `pass --retry-crashed to run ${crashed.join(', ')} again` : undefined);
  }
  const hostWentDown = summary.boot_id != null && summary.boot_id !== readBootId();
  if (hostWentDown) {
    for (const id of crashed) {
      // Gathered at the first resume after the crash; a later boot's log is not its evidence.
      const file = path.join(layout.subrunDir(id), 'crash-evidence.json');
      if (existsSync(file)) continue;
      writeJsonAtomic(file, await collectCrashEvidence());
      ctx.err(`host rebooted since ${plan.run_id} started: kernel evidence of the previous boot saved in ${path.relative(run.dir, file)}`);
    }
  }
  const inputs = await loadRecordedInputs(ctx, run);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
  // SPEC §5.4: every value still to be applied is checked against the bounds in force now
  // (today's policy and profile may have tightened since), never only the recorded ones.
  const bounds = boundsInForceNow(inputs.validators, ctx.root, host.facts, plan.bounds, plan.run_id);
  const remaining = plan.subruns.filter((s) => completed[s.id] === undefined);
  const violations = checkPlan({ ...plan, bounds, subruns: remaining });
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, `the bounds in force now forbid what is left of ${plan.run_id}; nothing was touched (road_runner policy show lists the bounds)`);
  }
  const { selection } = decideBounds(inputs.workspace, host.facts, plan.profile ?? 'none');
  const left = plan.subruns.length - Object.keys(completed).length;
  ctx.out(`resuming ${plan.run_id}: ${Object.keys(completed).length} sub-runs kept, ${left} to run${crashed.length ? `; crashed: ${crashed.join(', ')}${opts.retryCrashed ? ' (retried)' : ' (kept; --retry-crashed runs them again)'}` : ''}`);
  return startRun(ctx, {
    plan: { ...plan, bounds }, inputs, host, selection, unit: summary.unit, yes: opts.yes, dryRun: false, graceS: opts.graceS,
    resume: { summary, completed }, json: opts.json, chunkLimit: opts.chunkLimit,
  });
}

/** The sub-runs of a search kept on resume, in execution order, and the crashed ones among them. */
export interface SearchResumePoint {
  kept: SubrunSummary[];
  crashed: string[];
  /** The sub-run that is run again (interrupted, never finished, or the last crashed one with --retry-crashed), if any. */
  again: string | null;
}

/**
 * Reads back a search's sub-runs in execution order: the prefix that finished (passed,
 * marginal, failed) or crashed is kept, and the search continues after it. Only the last
 * sub-run can be retried with --retry-crashed: every later probe was decided from it.
 */
export function readSearchProgress(layout: ReturnType<typeof runFolderLayout>, retryCrashed: boolean): SearchResumePoint {
  const ids = layout.listSubrunIds();
  const kept: SubrunSummary[] = [];
  const crashed: string[] = [];
  for (const [i, id] of ids.entries()) {
    const file = path.join(layout.subrunDir(id), 'summary.json');
    const s = existsSync(file) ? (readJsonFile(file, `summary of sub-run ${id}`) as SubrunSummary) : null;
    if (s !== null && (typeof s !== 'object' || typeof (s as { status?: unknown }).status !== 'string')) {
      throw new UsageError(`summary of sub-run ${id} has the wrong shape: ${file}: no status`,
        'the record was written by an older road_runner or damaged; restore the file from a copy, or start a new run');
    }
    const last = i === ids.length - 1;
    if (s !== null && s.status === 'crashed') {
      crashed.push(id);
      if (retryCrashed && last) return { kept, crashed, again: id };
      kept.push(s);
      continue;
    }
    if (s === null || !['passed', 'marginal', 'failed'].includes(s.status)) return { kept, crashed, again: id };
    kept.push(s);
  }
  return { kept, crashed, again: null };
}

// `run --resume` of a search: the history is rebuilt from the sub-runs on disk and the search
// continues from it; every candidate point is checked against the bounds in force now.
async function resumeSearch(ctx: CommandContext, opts: ResumeOptions, run: ReturnType<typeof readRecordedRun>, layout: ReturnType<typeof runFolderLayout>): Promise<number> {
  const { plan, summary } = run;
  const { kept, crashed, again } = readSearchProgress(layout, opts.retryCrashed);
  const { probeHistory } = await import('../search/boundaryRecord.js');
  const { nextProbe } = await import('../search/engine.js');
  if (nextProbe(plan.search!.spec, plan.search!.columns, probeHistory(plan, kept)) === null) {
    throw new UsageError(`the search of ${plan.run_id} has decided every column; nothing is left to run`,
      crashed.length > 0 ? `pass --retry-crashed to run ${crashed[crashed.length - 1]} again` : undefined);
  }
  const inputs = await loadRecordedInputs(ctx, run);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
  const bounds = boundsInForceNow(inputs.validators, ctx.root, host.facts, plan.bounds, plan.run_id);
  const violations = checkPlan({ ...plan, bounds });
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, `the bounds in force now forbid points the search of ${plan.run_id} may visit; nothing was touched (road_runner policy show lists the bounds)`);
  }
  const { selection } = decideBounds(inputs.workspace, host.facts, plan.profile ?? 'none');
  const crashNote = crashed.length === 0 ? '' : `; crashed: ${crashed.join(', ')} (${again !== null && crashed.includes(again) ? `${again} retried` : 'each counted as a fail of its point; --retry-crashed runs the last one again'})`;
  ctx.out(`resuming the search of ${plan.run_id}: ${kept.length} probes kept${again !== null ? `, continuing at ${again}` : ''}${crashNote}`);
  return startRun(ctx, {
    plan: { ...plan, bounds }, inputs, host, selection, unit: summary.unit, yes: opts.yes, dryRun: false, graceS: opts.graceS,
    resume: { summary, completed: {}, kept }, json: opts.json,
  });
}
