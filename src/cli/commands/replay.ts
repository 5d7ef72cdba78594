import path from 'node:path';
import { SafetyViolationError, UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { graceSeconds } from './run.js';

/**
 * `road_runner replay BUNDLE --unit SN [--only …] [--accept-differences] [--yes]`: plans from the
 * bundle's inputs on this host, under this host's policy and profiles, refuses a plan that
 * differs from the bundled one (unless --accept-differences), warns about executables whose
 * hash differs, then runs through the ordinary run pipeline, linked to the bundle (`replay_of`).
 */
export default async function replay(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const graceS = graceSeconds(args.grace as number | undefined);
  const given = typeof args.bundle === 'string' ? args.bundle : '';
  if (given === '') throw new UsageError('replay needs a bundle file', 'e.g. road_runner replay rr-20260101T120000Z-1a2b3c.bundle.tar.gz --unit SN123');
  const unit = typeof args.unit === 'string' ? args.unit.trim() : '';
  if (unit === '') throw new UsageError('replay needs --unit with the serial number of the unit under test', 'e.g. --unit SN123');
  const { parseOnly, readFlakyPoints } = await import('./rerun.js');
  const only = args.only === undefined ? null : parseOnly(args.only);

  const { openBundle } = await import('../../bundle/openBundle.js');
  const bundle = await openBundle(path.resolve(ctx.cwd, given));
  try {
    const { loadValidators } = await import('../../config/validate.js');
    const { loadReplayInputs, planDifferences, readBundledExecutables, readBundledPlan } = await import('../../bundle/replayPlan.js');
    const { compareExecutables, hashPlanExecutables } = await import('../../bundle/executables.js');
    const { planSweep } = await import('../../plan/planSweep.js');
    const { keepPoints, pointKeyOf, selectRerunSubruns } = await import('../../plan/rerunSelection.js');
    const { newRunId, randomHex6 } = await import('../../records/layout.js');
    const { loadHost } = await import('../../workspace/host.js');
    const { labelRecorded, tightenBounds } = await import('../../safety/bounds.js');
    const { checkPlan } = await import('../../safety/checkPlan.js');
    const { startRun } = await import('../startRun.js');

    const bundled = readBundledPlan(bundle);
    const name = path.basename(bundle.file);
    const envPath = ctx.env.PATH ?? '';
    const inputs = loadReplayInputs(bundle, bundled, await loadValidators(), ctx.root, envPath);
    const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
    const now = new Date();
    const runId = newRunId(now, randomHex6);
    const made = planSweep({
      workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts,
      runId, createdAt: now.toISOString(), seed: bundled.seed, randomSeed: () => bundled.seed,
    });
    let here = made.plan;
    if (bundled.rerun_of !== undefined) {
      // A bundled rerun ran some points of its sweep: the same points here, with the bundled seeds.
      const { search: _search, ...grid } = here;
      here = { ...grid, subruns: keepPoints(grid.subruns, runId, new Map(bundled.subruns.map((s) => [pointKeyOf(s.point), s.seed]))), rerun_of: bundled.rerun_of };
    }
    ctx.out(`replay of ${bundle.info.run_id ?? bundled.run_id} from ${name} (payload sha256 ${bundle.payloadSha256.slice(0, 12)}…) on this host, unit ${unit}`);
    const differences = planDifferences(bundled, here);
    if (differences.length > 0) {
      ctx.err(`the plan made on this host differs from the bundled one${args.acceptDifferences ? ' (accepted with --accept-differences)' : ''}:`);
      for (const d of differences) ctx.err(`  ${d}`);
      if (!args.acceptDifferences) {
        throw new UsageError(`replay refused: the plan made here differs from the one in ${name} (listed above); nothing was touched`,
          'check this host\'s policy/ and profiles (road_runner policy show), or pass --accept-differences to run the plan made here');
      }
    } else {
      ctx.out('  the plan made here equals the bundled plan');
    }
    const executableDiffs = compareExecutables(readBundledExecutables(bundle), await hashPlanExecutables(here, inputs.workspace, ctx.root, envPath));
    for (const line of executableDiffs) ctx.err(`warning: executable differs: ${line}`);

    let plan = here;
    if (only !== null) {
      if (bundle.info.kind === 'inputs') throw new UsageError(`${name} is a bundle of inputs only: it has no outcomes for --only to pick from`, 'replay it without --only');
      const { loadRunPointsAt } = await import('../../runs/runPoints.js');
      const recorded = loadRunPointsAt(bundle.dataDir, bundled.run_id);
      for (const w of recorded.warnings) ctx.err(`warning: ${w}`);
      const seedOf = new Map(bundled.subruns.map((s) => [s.id, s.seed]));
      const outcomes = recorded.points.map((p) => ({ ...p, seed: seedOf.get(p.subrun_id) ?? null }));
      const flaky = only.includes('flaky') ? readFlakyPoints(bundle.dataDir) ?? [] : [];
      const selection = selectRerunSubruns(here, runId, only, outcomes, flaky);
      for (const u of selection.unmatched) ctx.err(`note: ${u}`);
      if (selection.subruns.length === 0) {
        ctx.out(`${name} has no ${only.join(' or ')} points: nothing to replay`);
        return 0;
      }
      const { search: _search, ...grid } = here;
      plan = { ...grid, subruns: selection.subruns };
      ctx.out(`  --only ${only.join(',')}: ${selection.subruns.length} point(s), with their bundled seeds`);
    }
    // SPEC §7: today's bounds here, tightened by the bundled ones (a recorded copy can only tighten).
    const bounds = tightenBounds(plan.bounds, labelRecorded(bundled.bounds, `recorded in ${name}`));
    const violations = checkPlan({ ...plan, bounds });
    if (violations.length > 0) throw new SafetyViolationError(violations, `the bounds here, tightened by those recorded in ${name}, forbid values of the replay; nothing was touched`);
    return await startRun(ctx, {
      plan: {
        ...plan, bounds,
        replay_of: { bundle: name, run_id: bundle.info.run_id ?? bundled.run_id, payload_sha256: bundle.payloadSha256, only, accepted_differences: differences.length },
      },
      inputs, host, selection: made.decision.selection, unit, yes: Boolean(args.yes), dryRun: Boolean(args.dryRun), graceS,
    });
  } finally {
    bundle.cleanup();
  }
}
