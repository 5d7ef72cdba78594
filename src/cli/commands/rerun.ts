import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { RrError, SafetyViolationError, UsageError } from '../../errors.js';
import { planSweep } from '../../plan/planSweep.js';
import { RERUN_SELECTORS, selectRerunSubruns, type RecordedOutcome, type RerunSelector } from '../../plan/rerunSelection.js';
import { readJsonFile } from '../../records/jsonFile.js';
import { newRunId, randomHex6 } from '../../records/layout.js';
import { loadRunPoints } from '../../runs/runPoints.js';
import { boundsInForceNow } from '../../safety/boundsNow.js';
import { checkPlan } from '../../safety/checkPlan.js';
import { loadHost } from '../../workspace/host.js';
import type { CommandContext } from '../context.js';
import { comparablePlan } from '../../plan/comparablePlan.js';
import { loadRecordedInputs, readRecordedRun } from '../recordedInputs.js';
import { requireRunId } from '../runRef.js';
import { startRun } from '../startRun.js';
import { graceSeconds } from './run.js';

/** The selectors of `--only` (comma- or space-separated values); each one of RERUN_SELECTORS. */
export function parseOnly(value: unknown): RerunSelector[] {
  const given = (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (given.length === 0) throw new UsageError('rerun needs --only with what to run again', `one or more of ${RERUN_SELECTORS.join(', ')}, e.g. --only failed,marginal`);
  const wrong = given.filter((v) => !(RERUN_SELECTORS as readonly string[]).includes(v));
  if (wrong.length > 0) throw new UsageError(`--only ${wrong.join(', ')}: not something rerun can pick`, `use ${RERUN_SELECTORS.join(', ')} (several may be combined)`);
  return RERUN_SELECTORS.filter((s) => given.includes(s));
}

/**
 * The points a run's boundary.json calls flaky (`verdict: flaky`, or listed under `flaky`), as
 * margin points; null when the run has no boundary.json. A damaged file is an input error.
 */
export function readFlakyPoints(runDir: string): Record<string, number>[] | null {
  const file = path.join(runDir, 'boundary.json');
  if (!existsSync(file)) return null;
  const b = readJsonFile(file, 'boundary') as { rail?: unknown; columns?: unknown } | null;
  if (typeof b !== 'object' || b === null || typeof b.rail !== 'string' || !Array.isArray(b.columns)) {
    throw new UsageError(`${file} is not a boundary.json (rail and columns expected)`, 'restore the file from a copy, or rerun without --only flaky');
  }
  const rail = b.rail;
  const points: Record<string, number>[] = [];
  for (const [i, c] of (b.columns as unknown[]).entries()) {
    const col = c as { axes?: unknown; points?: unknown; flaky?: unknown } | null;
    const axes = col?.axes;
    if (typeof axes !== 'object' || axes === null || Array.isArray(axes) || !Object.values(axes).every((v) => typeof v === 'number')) {
      throw new UsageError(`${file}: columns[${i}].axes is not an object of numbers`, 'restore the file from a copy, or rerun without --only flaky');
    }
    const values = new Set<number>();
    for (const p of Array.isArray(col?.points) ? col.points : []) {
      const point = p as { value?: unknown; verdict?: unknown } | null;
      if (point?.verdict === 'flaky' && typeof point.value === 'number') values.add(point.value);
    }
    for (const v of Array.isArray(col?.flaky) ? col.flaky : []) if (typeof v === 'number') values.add(v);
    for (const v of values) points.push({ ...(axes as Record<string, number>), [rail]: v });
  }
  return points;
}

/**
 * `road_runner rerun RUN_ID --only failed|marginal|flaky|crashed`: plans a new run of just those
 * points of RUN_ID from its inputs/ copies, with their original seeds and values, under the
 * policy and profiles in force now, and links the new run to the old one (`rerun_of`).
 */
export default async function rerun(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const graceS = graceSeconds(args.grace as number | undefined);
  const only = parseOnly(args.only);
  const runId = requireRunId(ctx.root, args, 'rerun');
  const old = readRecordedRun(ctx.root, runId);
  const unit = typeof args.unit === 'string' && args.unit.trim() !== '' ? args.unit : old.summary.unit;

  // What the old run recorded: each sub-run's point, status and seed; and its flaky points.
  const recorded = loadRunPoints(ctx.root, runId);
  for (const w of recorded.warnings) ctx.err(`warning: ${w}`);
  const seedOf = new Map(old.plan.subruns.map((s) => [s.id, s.seed]));
  const outcomes: RecordedOutcome[] = recorded.points.map((p) => ({ ...p, seed: seedOf.get(p.subrun_id) ?? readSubrunSeed(old.dir, p.subrun_id) }));
  let flaky: Record<string, number>[] = [];
  if (only.includes('flaky')) {
    const read = readFlakyPoints(old.dir);
    if (read === null) ctx.err(`note: run ${runId} has no boundary.json, so it has no flaky points`);
    flaky = read ?? [];
  }

  // The plan is rebuilt from the run's own copies, as it ran: same seed, same profile.
  const inputs = await loadRecordedInputs(ctx, old);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
  const now = new Date();
  const { plan: rebuilt, decision } = planSweep({
    workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts, profile: old.plan.profile ?? 'none',
    runId: newRunId(now, randomHex6), createdAt: now.toISOString(), seed: old.plan.seed, randomSeed: () => old.plan.seed,
  });
  // The profile is forced to the original run's, so planning alone would explain it as "forced"; from the run's own copies, why it was chosen is why the original run chose it.
  const replanned = rebuilt.profile === old.plan.profile ? { ...rebuilt, profile_reasons: old.plan.profile_reasons } : rebuilt;
  if (!isDeepStrictEqual(comparablePlan(replanned), comparablePlan(old.plan))) {
    throw new UsageError(`the plan rebuilt from ${runId}'s inputs differs from the one it ran`, 'the run folder may have been edited; compare its plan.json with `road_runner plan`');
  }
  const selection = selectRerunSubruns(replanned, replanned.run_id, only, outcomes, flaky);
  for (const u of selection.unmatched) ctx.err(`note: ${u}`);
  if (selection.subruns.length === 0) {
    // Nothing matched is an answer, not an error: a script may always ask for the failed points.
    ctx.out(`run ${runId} has no ${only.join(' or ')} points: nothing to rerun`);
    return 0;
  }
  // The chosen points run as a plain list, each once, even when the old run was a search.
  const { search: _search, ...grid } = replanned;
  const plan = {
    ...grid,
    subruns: selection.subruns,
    rerun_of: { run_id: runId, only },
  };
  ctx.out(`rerun of ${runId} (--only ${only.join(',')}): ${selection.subruns.length} point(s), unit ${unit}, original seeds`);
  for (const [i, p] of selection.picks.entries()) {
    ctx.out(`  ${selection.subruns[i]!.id}  ${Object.entries(p.point).map(([k, v]) => `${k}=${v}`).join(' ')}  (${p.because.join(', ')}; was ${p.from.join(', ') || 'not run'})`);
  }
  // SPEC §7: the policy and profiles in force now always apply; the recorded copy can only tighten.
  const bounds = boundsInForceNow(inputs.validators, ctx.root, host.facts, plan.bounds, runId);
  const violations = checkPlan({ ...plan, bounds });
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, `the bounds in force now forbid values of ${runId}; nothing was touched (road_runner policy show lists the bounds)`);
  }
  return startRun(ctx, {
    plan: { ...plan, bounds }, inputs, host, selection: decision.selection, unit, yes: Boolean(args.yes), dryRun: Boolean(args.dryRun), graceS,
  });
}

// The seed a sub-run summary recorded (a probe not in plan.json); null when unreadable.
function readSubrunSeed(runDir: string, subrunId: string): number | null {
  for (const file of [path.join(runDir, 'subruns', subrunId, 'summary.json'), path.join(runDir, subrunId, 'summary.json')]) {
    if (!existsSync(file)) continue;
    try {
      const s = readJsonFile(file, 'sub-run summary') as { seed?: unknown } | null;
      return typeof s?.seed === 'number' ? s.seed : null;
    } catch (err) {
      if (!(err instanceof RrError)) throw err;
      return null;
    }
  }
  return null;
}
