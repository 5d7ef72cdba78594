import { randomInt } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { planSweep } from '../../plan/planSweep.js';
import { newRunId, randomHex6 } from '../../records/layout.js';
import { loadHost } from '../../workspace/host.js';
import { confirmRun, describeRunForConfirmation } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { createBarProgress, createLineProgress } from '../progress.js';
import { trapInterrupts } from '../signals.js';
import { loadSweepInputs } from '../sweepInputs.js';

interface RunArgs {
  flow: string;
  margin: string;
  unit: string;
  profile?: string;
  seed?: number;
  yes?: boolean;
  dryRun?: boolean;
  grace?: number;
}

/** `road_runner run`: plan, confirm, then execute under the host lock and record everything. */
export default async function run(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as RunArgs;
  if (!a.unit.trim()) throw new UsageError('--unit needs the serial number of the unit under test', 'e.g. --unit SN123');
  const grace = a.grace ?? 5;
  if (!(grace >= 0)) throw new UsageError(`--grace must be a number of seconds ≥ 0, got ${a.grace}`);
  const inputs = loadSweepInputs(ctx, a.flow, a.margin);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile);
  const now = new Date();
  const { plan, decision } = planSweep({
    workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts, profile: a.profile,
    runId: newRunId(now, randomHex6), createdAt: now.toISOString(), seed: a.seed, randomSeed: () => randomInt(0, 2 ** 32),
  });
  const lines = describeRunForConfirmation(plan, host, decision.selection, a.unit);
  if (!a.dryRun && !(await confirmRun(lines, { yes: a.yes ?? false, isTTY: ctx.isTTY, out: ctx.out }))) {
    ctx.out('not started: nothing was changed');
    return 0;
  }
  const interrupts = trapInterrupts(ctx.err);
  const steps = plan.subruns.length * (plan.subruns[0]?.steps.length ?? 0);
  const view = ctx.isTTY && !a.dryRun ? await createBarProgress(steps) : createLineProgress(ctx.out);
  try {
    const { runSession } = await import('../../execute/runSession.js');
    const result = await runSession({
      root: ctx.root, plan, workspace: inputs.workspace, validators: inputs.validators, host, unit: a.unit,
      dryRun: a.dryRun ?? false, graceMs: grace * 1000, signal: interrupts.signal, envPath: ctx.env.PATH ?? '',
      progress: view.update,
      onRecovered: (r) => ctx.err(`recovered crashed run ${r.run_id}: ${r.rails.map((x) => `${x.rail} back at ${x.read_back}`).join(', ') || 'no rails were touched'}; it is marked crashed`),
      now: () => new Date(),
    });
    view.stop();
    const s = result.summary;
    const c = s.counts;
    ctx.out('');
    ctx.out(`run ${s.run_id}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`);
    ctx.out(`  steps: ${c.passed} passed, ${c.failed} failed, ${c.timeout} timed out, ${c.error} errors, ${c.interrupted} interrupted, ${c.skipped} skipped`);
    ctx.out(`  sub-runs: ${s.subruns.filter((x) => x.status === 'passed').length} passed of ${s.subruns.length}`);
    ctx.out(`  records: ${path.relative(ctx.cwd, result.runDir) || result.runDir}`);
    return result.exitCode;
  } finally {
    view.stop();
    interrupts.dispose();
  }
}
