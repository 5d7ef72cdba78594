import { randomInt } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { planSweep } from '../../plan/planSweep.js';
import { newRunId, randomHex6 } from '../../records/layout.js';
import { startSysinfoSnapshot, SYSINFO_TIMEOUT_MS } from '../../records/sysinfo.js';
import { loadHost } from '../../workspace/host.js';
import type { CommandContext } from '../context.js';
import { startRun } from '../startRun.js';
import { loadSweepInputs } from '../sweepInputs.js';

interface RunArgs {
  flow?: string;
  margin?: string;
  unit?: string;
  profile?: string;
  seed?: number;
  yes?: boolean;
  dryRun?: boolean;
  grace?: number;
  resume?: string;
  retryCrashed?: boolean;
  json?: boolean;
}

/** Seconds between SIGTERM and SIGKILL, from --grace. */
export function graceSeconds(value: number | undefined): number {
  const grace = value ?? 5;
  if (!(grace >= 0)) throw new UsageError(`--grace must be a number of seconds ≥ 0, got ${value}`);
  return grace;
}

/** `road_runner run`: plan, confirm, then execute under the host lock and record everything. */
export default async function run(given: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as RunArgs;
  // --json: stdout carries only the outcome document; everything said along the way goes to stderr.
  const json = a.json ? given.out : undefined;
  const ctx: CommandContext = a.json ? { ...given, out: given.err } : given;
  const graceS = graceSeconds(a.grace);
  if (a.resume !== undefined) {
    const { resumeRun } = await import('../resume.js');
    const { resolveRunRef } = await import('../runRef.js');
    return resumeRun(ctx, { runId: resolveRunRef(ctx.root, a.resume), json, yes: a.yes ?? false, retryCrashed: a.retryCrashed ?? false, graceS });
  }
  if (a.flow === undefined || a.margin === undefined) throw new UsageError('run needs --flow and --margin (or --resume ID)', 'e.g. road_runner run --flow flows/sample_flow.yaml --margin margins/sample_margin.yaml --unit SN123');
  if (a.unit === undefined || !a.unit.trim()) throw new UsageError('run needs --unit with the serial number of the unit under test', 'e.g. --unit SN123');
  // Nothing waits for the operator (--yes, --dry-run): the host snapshot starts now, in a worker
  // thread, while the inputs load and the plan is made. Stopped if the run never starts; with
  // a question, the run takes it after the answer.
  const startsAtOnce = Boolean(a.yes || a.dryRun);
  const sysinfo = startsAtOnce ? startSysinfoSnapshot({ timeoutMs: SYSINFO_TIMEOUT_MS }) : undefined;
  try {
    const inputs = await loadSweepInputs(ctx, a.flow, a.margin);
    const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
    const now = new Date();
    const { plan, decision } = planSweep({
      workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts, profile: a.profile,
      runId: newRunId(now, randomHex6), createdAt: now.toISOString(), seed: a.seed, randomSeed: () => randomInt(0, 2 ** 32),
    });
    return await startRun(ctx, {
      plan, inputs, host, selection: decision.selection, unit: a.unit, yes: a.yes ?? false, dryRun: a.dryRun ?? false, graceS, sysinfo, json,
    });
  } finally {
    sysinfo?.cancel(); // taken by then, or the run never started
  }
}
