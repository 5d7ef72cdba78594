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
    resume: { summary, completed }, json: opts.json,
  });
}
