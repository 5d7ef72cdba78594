import path from 'node:path';
import { ExitCode } from '../errors.js';
import type { ProfileSelection } from '../host/match.js';
import type { Plan } from '../plan/types.js';
import type { HostChoice } from '../workspace/host.js';
import type { ResumeState } from '../execute/runSession.js';
import { healthSourcesFrom } from '../health/healthSources.js';
import type { RunSummary } from '../records/recordTypes.js';
import type { PendingSysinfo } from '../records/sysinfo.js';
import { confirmRun, describeRunForConfirmation } from './confirm.js';
import type { CommandContext } from './context.js';
import { createBarProgress, createLineProgress, type ProgressView } from './progress.js';
import { unguarded } from './signals.js';
import type { SweepInputs } from './sweepInputs.js';

/** A checked plan and everything needed to execute it. */
export interface StartRequest {
  plan: Plan;
  inputs: SweepInputs;
  host: HostChoice;
  selection: ProfileSelection;
  unit: string;
  yes: boolean;
  dryRun: boolean;
  graceS: number;
  resume?: ResumeState;
  /** Run at most this many sub-runs (a fleet job's chunk); the run then ends `interrupted`, to be resumed. */
  chunkLimit?: number;
  /** The host snapshot, if already started (runSession starts it otherwise). */
  sysinfo?: PendingSysinfo;
  /** --json: where the outcome goes as one JSON document (ctx.out then carries the progress to stderr). */
  json?: (line: string) => void;
}

/** The JSON document of `run --json` (README "JSON output"); `summary` is the parent summary.json (SPEC §9). */
export interface RunOutcomeJson {
  started: boolean;
  exit_code: number;
  run_dir: string | null;
  reports: { md: string; html: string } | null;
  summary: unknown;
}

// One line on the run's hardware health: the deltas, and each source that could not be read (said once).
function describeRunHealth(h: RunSummary['health']): string | null {
  if (!h) return null;
  const parts: string[] = [];
  if (h.ce_delta !== null) parts.push(`${h.ce_delta} corrected, ${h.ue_delta ?? 0} uncorrected memory errors`);
  if (h.kernel_lines !== null) parts.push(`${h.kernel_lines} kernel hardware-error line(s)`);
  if (!h.sources.edac.available) parts.push(`EDAC counters unavailable (${h.sources.edac.detail})`);
  if (!h.sources.kernel_log.available) parts.push(`kernel log unavailable (${h.sources.kernel_log.detail})`);
  return parts.join('; ');
}

/** Confirms with the operator, executes under the lock with signal handling and progress, and prints the outcome. */
export async function startRun(ctx: CommandContext, req: StartRequest): Promise<number> {
  const { plan } = req;
  const lines = describeRunForConfirmation(plan, req.host, req.selection, req.unit);
  const answer = req.dryRun ? 'go' : await confirmRun(lines, { yes: req.yes, isTTY: ctx.isTTY, out: ctx.out });
  if (answer !== 'go') {
    // SPEC §5.5: declining exits 1, Ctrl-C at the question 130; either way nothing was touched.
    req.sysinfo?.cancel();
    ctx.out(`not started${answer === 'interrupted' ? ' (interrupted at the question)' : ''}: nothing was changed`);
    const code = answer === 'interrupted' ? ExitCode.sigint : ExitCode.failed;
    req.json?.(JSON.stringify({ started: false, exit_code: code, run_dir: null, reports: null, summary: null } satisfies RunOutcomeJson, null, 2));
    return code;
  }
  // From here on a signal or our own uncaught error stops the run with its rails restored.
  const interrupts = (ctx.guard ?? unguarded)();
  const steps = plan.subruns.length * (plan.subruns[0]?.steps.length ?? 0);
  let view: ProgressView;
  try {
    view = ctx.isTTY && !req.dryRun ? await createBarProgress(steps) : createLineProgress(ctx.out);
  } catch (error) {
    interrupts.release();
    throw error;
  }
  // The bar stops redrawing at the first signal: the terminal may be gone (SIGHUP), and the
  // messages that follow need their own lines.
  const stopView = () => view.stop();
  interrupts.signal.addEventListener('abort', stopView, { once: true });
  try {
    const { runSession } = await import('../execute/runSession.js');
    const result = await runSession({
      root: ctx.root, plan, workspace: req.inputs.workspace, validators: req.inputs.validators, host: req.host, unit: req.unit,
      dryRun: req.dryRun, graceMs: req.graceS * 1000, signal: interrupts.signal, envPath: ctx.env.PATH ?? '',
      progress: view.update, resume: req.resume, chunkLimit: req.chunkLimit, sysinfo: req.sysinfo, healthSources: healthSourcesFrom(ctx.env),
      onRecovered: (r) => ctx.err(`recovered crashed run ${r.run_id}: ${r.rails.map((x) => `${x.rail} back at ${x.read_back}`).join(', ') || 'no rails were touched'}; it is marked crashed`),
      now: () => new Date(),
    });
    view.stop();
    const s = result.summary;
    const c = s.counts;
    ctx.out('');
    ctx.out(`run ${s.run_id}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`);
    ctx.out(`  steps: ${c.passed} passed${c.marginal ? ` (${c.marginal} marginal)` : ''}, ${c.failed} failed, ${c.timeout} timed out, ${c.error} errors, ${c.interrupted} interrupted, ${c.skipped} skipped`);
    const marginal = s.subruns.filter((x) => x.status === 'marginal').length;
    ctx.out(`  sub-runs: ${s.subruns.filter((x) => x.status === 'passed').length} passed${marginal ? `, ${marginal} marginal` : ''} of ${s.subruns.length}`);
    const health = describeRunHealth(s.health);
    if (health) ctx.out(`  health: ${health}`);
    ctx.out(`  records: ${path.relative(ctx.cwd, result.runDir) || result.runDir}`);
    ctx.out(`  report: ${path.relative(ctx.cwd, path.join(result.runDir, 'report.html'))}`);
    for (const w of result.reportWarnings) ctx.err(`warning: ${w}`);
    if (result.faultLog) ctx.err(`road_runner: internal error (a bug in road_runner, please report it with ${path.relative(ctx.cwd, result.faultLog)}); rails were restored`);
    if (result.restoreFailed) {
      ctx.err(`road_runner: WARNING: a rail could not be verified back at nominal, so the host may still be margined (${s.reason ?? 'see the run summary'})`);
      ctx.err('  fix: check the rail controller and its read-back, then run `road_runner recover` (the crash journal is kept for it)');
    }
    req.json?.(JSON.stringify({
      started: true, exit_code: result.exitCode, run_dir: result.runDir,
      reports: { md: path.join(result.runDir, 'report.md'), html: path.join(result.runDir, 'report.html') }, summary: s,
    } satisfies RunOutcomeJson, null, 2));
    return result.exitCode;
  } finally {
    interrupts.signal.removeEventListener('abort', stopView);
    view.stop();
    interrupts.release();
  }
}
