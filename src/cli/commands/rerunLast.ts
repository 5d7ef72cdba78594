import { existsSync, readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { RrError, SafetyViolationError, UsageError } from '../../errors.js';
import { readJsonFile } from '../../records/jsonFile.js';
import { planSweep } from '../../plan/planSweep.js';
import { keepPoints, pointKeyOf } from '../../plan/rerunSelection.js';
import { isRunId, newRunId, randomHex6, runsDir } from '../../records/layout.js';
import { boundsInForceNow } from '../../safety/boundsNow.js';
import { checkPlan } from '../../safety/checkPlan.js';
import { loadHost } from '../../workspace/host.js';
import type { CommandContext } from '../context.js';
import { comparablePlan } from '../../plan/comparablePlan.js';
import { loadRecordedInputs, readRecordedRun, type RecordedRun } from '../recordedInputs.js';
import { startRun } from '../startRun.js';
import { loadSweepInputs } from '../sweepInputs.js';
import { graceSeconds } from './run.js';

/**
 * The most recent run whose status is `passed`, by start time. A passed run newer than that
 * one whose records are damaged is not silently passed over: its error is thrown, saying so.
 */
export function findLastPassedRun(root: string): RecordedRun | null {
  const dir = runsDir(root);
  if (!existsSync(dir)) return null;
  let best: RecordedRun | null = null;
  let damaged: { runId: string; startedAt: string; error: RrError } | null = null;
  for (const name of readdirSync(dir)) {
    if (!isRunId(name) || !existsSync(path.join(dir, name, 'summary.json'))) continue;
    let run: RecordedRun;
    try {
      run = readRecordedRun(root, name);
    } catch (err) {
      if (!(err instanceof RrError)) throw err;
      const passedAt = passedStart(path.join(dir, name, 'summary.json'));
      if (passedAt !== null && (damaged === null || passedAt > damaged.startedAt)) damaged = { runId: name, startedAt: passedAt, error: err };
      continue; // damaged or foreign run folders are not candidates
    }
    if (run.summary.status !== 'passed' || run.summary.dry_run) continue;
    if (!best || run.summary.started_at > best.summary.started_at) best = run;
  }
  if (damaged && (!best || damaged.startedAt > best.summary.started_at)) {
    throw new UsageError(`the most recent passed run ${damaged.runId} cannot be re-run: ${damaged.error.message}`, damaged.error.hint);
  }
  return best;
}

// When a run's summary says it passed (not a dry run), its start time; else null.
function passedStart(summaryFile: string): string | null {
  try {
    const s = readJsonFile(summaryFile, 'summary') as { status?: unknown; dry_run?: unknown; started_at?: unknown } | null;
    return s?.status === 'passed' && s.dry_run !== true && typeof s.started_at === 'string' ? s.started_at : null;
  } catch {
    return null;
  }
}

/**
 * `road_runner rerun-last`: re-executes the most recent passed run from its own inputs/ copies
 * (or the current files with --from-files), with the same seed, unit and profile. The new
 * plan must equal the old one except ids and timestamps.
 */
export default async function rerunLast(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const graceS = graceSeconds(args.grace as number | undefined);
  const last = findLastPassedRun(ctx.root);
  if (!last) throw new UsageError(`no passed run in ${runsDir(ctx.root)} to re-run`, 'road_runner runs list shows the runs and their status');
  const old = last.plan;
  const fromFiles = Boolean(args.fromFiles);
  const inputs = fromFiles
    ? await loadSweepInputs(ctx, old.inputs.find((i) => i.role === 'flow')!.file, old.inputs.find((i) => i.role === 'margin')!.file)
    : await loadRecordedInputs(ctx, last);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
  const now = new Date();
  const { plan: rebuilt, decision } = planSweep({
    workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts, profile: old.profile ?? 'none',
    runId: newRunId(now, randomHex6), createdAt: now.toISOString(), seed: old.seed, randomSeed: () => old.seed,
  });
  // The profile is forced to the original run's, so planning alone would explain it as
  // "forced"; from the run's own copies, why it was chosen is why the original run chose it.
  const replanned = fromFiles || rebuilt.profile !== old.profile ? rebuilt : { ...rebuilt, profile_reasons: old.profile_reasons };
  // A run made by `rerun --only` repeats a subset of its inputs' points: the same subset, with the same seeds.
  const plan = old.rerun_of === undefined ? replanned : {
    ...replanned,
    subruns: keepPoints(replanned.subruns, replanned.run_id, new Map(old.subruns.map((s) => [pointKeyOf(s.point), s.seed]))),
    rerun_of: old.rerun_of,
  };
  ctx.out(`re-running ${old.run_id} (unit ${last.summary.unit}, seed ${old.seed}) from ${fromFiles ? 'the current workspace files' : 'its inputs/ copies'}`);
  if (!isDeepStrictEqual(comparablePlan(plan), comparablePlan(old))) {
    if (!fromFiles) {
      throw new UsageError(`the plan rebuilt from ${old.run_id}'s inputs differs from the one it ran`, 'the run folder may have been edited; compare plan.json files, or use --from-files');
    }
    ctx.out('note: the current files give a different plan than the original run (inputs changed since)');
  }
  // SPEC §7: the policy and profiles in force now always apply; the recorded copy can only tighten.
  const bounds = boundsInForceNow(inputs.validators, ctx.root, host.facts, plan.bounds, old.run_id);
  const violations = checkPlan({ ...plan, bounds });
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, `the bounds in force now forbid values of ${old.run_id}; nothing was touched (road_runner policy show lists the bounds)`);
  }
  return startRun(ctx, {
    plan: { ...plan, bounds }, inputs, host, selection: decision.selection, unit: last.summary.unit, yes: Boolean(args.yes), dryRun: false, graceS,
  });
}
