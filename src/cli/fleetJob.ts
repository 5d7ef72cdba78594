// A fleet job through the ordinary run pipeline: the job's §12 inputs bundle is checked, its
// flow, margin and policy copied into this host's workspace, planned against this host's
// policy and profile, tightened by the policy the job carries (a job can only tighten), checked, and run with startRun exactly as
// `road_runner run --yes` would. Also the agent's recovery on start (`road_runner recover`).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { BundleRefusedError } from '../bundle/openBundle.js';
import { ExitCode, RrError, SafetyViolationError } from '../errors.js';
import { CHUNK_END_REASON } from '../execute/executePlan.js';
import type { JobOutcome, JobPayload, RecoveredRun } from '../fleet/agent.js';
import type { JobState } from '../fleet/store.js';
import type { SafetyPolicy } from '../config/schemas/index.js';
import { planSweep } from '../plan/planSweep.js';
import { readJsonFile } from '../records/jsonFile.js';
import { isJournalOrphaned, readJournal } from '../records/journal.js';
import { newRunId, randomHex6, runDir, runsDir } from '../records/layout.js';
import type { RunSummary } from '../records/recordTypes.js';
import { intersectPolicies, labelRecorded, tightenBounds } from '../safety/bounds.js';
import { checkPlan } from '../safety/checkPlan.js';
import { loadHost } from '../workspace/host.js';
import { readSource } from '../workspace/readSource.js';
import type { CommandContext } from './context.js';
import { startRun } from './startRun.js';
import { loadSweepInputs } from './sweepInputs.js';

/** Where jobs' input files are unpacked, under the workspace. */
export const FLEET_JOBS_DIR = path.join('.fleet', 'jobs');

/** Runs one job; every way it ends is an outcome (a refused job never touched a rail). */
export async function runFleetJob(ctx: CommandContext, payload: JobPayload, onRunStarted: (runId: string, runDir: string) => void, randomSeed: () => number): Promise<JobOutcome> {
  let runId: string | null = null;
  const chunk = payload.chunk && payload.chunk.total > 1 ? payload.chunk : undefined;
  try {
    if (chunk && chunk.index > 0) {
      // A later chunk resumes the job's run exactly as `run --resume` does: its own folder, plan
      // and inputs/ copies (the job's policy is in the recorded bounds), rechecked against the
      // bounds in force now; at most chunk.size more sub-runs.
      if (chunk.run_id === null) throw new RrError(`chunk ${chunk.index + 1} of job ${payload.job_id} names no run to resume`, ExitCode.usage);
      runId = chunk.run_id;
      onRunStarted(runId, runDir(ctx.root, runId));
      const { resumeRun } = await import('./resume.js');
      const exitCode = await resumeRun(ctx, { runId, yes: true, retryCrashed: false, graceS: 5, chunkLimit: chunk.size });
      return chunkOutcome(ctx.root, runId, exitCode);
    }
    // Checked before use (a tampered bundle is refused, exit 2); extracted only into a temporary folder.
    const { openJobBundle } = await import('../fleet/jobInputs.js');
    const files = await openJobBundle(payload.bundle, path.join(ctx.root, FLEET_JOBS_DIR, payload.job_id), `job ${payload.job_id}`);
    const inputs = await loadSweepInputs(ctx, files.get('flow')!, files.get('margin')!);
    const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
    const now = new Date();
    // Planned under this host's policy and profile: a value beyond them is a SafetyViolationError here.
    const { plan, decision } = planSweep({
      workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: host.facts,
      runId: newRunId(now, randomHex6), createdAt: now.toISOString(), randomSeed,
    });
    let bounds = plan.bounds;
    const policyFile = files.get('policy');
    if (policyFile !== undefined) {
      const shown = path.relative(ctx.root, policyFile);
      const { loaded, problems } = readSource<SafetyPolicy>(inputs.validators, 'safety-policy', policyFile, shown, ctx.root);
      if (!loaded || problems.length > 0) {
        const { ConfigError } = await import('../errors.js');
        throw new ConfigError(problems);
      }
      bounds = tightenBounds(bounds, labelRecorded(intersectPolicies({ body: loaded.data, file: shown }, null), `job ${payload.job_id}`));
      const violations = checkPlan({ ...plan, bounds });
      if (violations.length > 0) throw new SafetyViolationError(violations, 'the job\'s own policy forbids these values; nothing was touched');
    }
    runId = plan.run_id;
    onRunStarted(plan.run_id, runDir(ctx.root, plan.run_id));
    const exitCode = await startRun(ctx, { plan: { ...plan, bounds }, inputs, host, selection: decision.selection, unit: payload.unit, yes: true, dryRun: false, graceS: 5, chunkLimit: chunk?.size });
    return chunkOutcome(ctx.root, plan.run_id, exitCode);
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    // Beyond this host's bounds (exit 3), or a bundle that failed its checks (exit 2): refused, no rail touched.
    const refused = err.exitCode === ExitCode.safety || err instanceof BundleRefusedError;
    ctx.err(`road_runner: ${err.message}`);
    return {
      state: refused ? 'refused' : 'error', exitCode: err.exitCode,
      detail: `${refused ? `refused by this host (exit ${err.exitCode}): ` : ''}${err.message}`.slice(0, 4000), runId, runDir: runId ? runDir(ctx.root, runId) : null,
    };
  }
}

// A run's outcome, and whether it stopped only at its chunk limit (exit 0, `interrupted`, the chunk reason).
function chunkOutcome(root: string, runId: string, exitCode: number): JobOutcome {
  const o = outcomeOf(root, runId, exitCode);
  const chunkEnded = exitCode === ExitCode.ok && o.state === 'interrupted' && (o.detail ?? '').startsWith(CHUNK_END_REASON);
  return { ...o, runId, runDir: runDir(root, runId), chunkEnded };
}

// The job's state from its run's summary (the record is authoritative) and exit code.
function outcomeOf(root: string, runId: string, exitCode: number): { state: JobState; exitCode: number; detail: string | null } {
  const file = path.join(runDir(root, runId), 'summary.json');
  const summary = existsSync(file) ? (readJsonFile(file, 'run summary') as RunSummary) : null;
  const status = summary?.status;
  const known: JobState[] = ['passed', 'marginal', 'failed', 'interrupted', 'crashed', 'aborted'];
  const state: JobState = status !== undefined && (known as string[]).includes(status) ? (status as JobState) : 'error';
  return { state, exitCode, detail: summary?.reason ?? null };
}

/** Recovers this workspace's crashed run, if any, exactly as `road_runner recover`; returns it. */
export async function recoverOnStart(ctx: CommandContext): Promise<RecoveredRun | null> {
  const journal = readJournal(runsDir(ctx.root));
  if (!journal || !isJournalOrphaned(journal)) return null;
  const { default: recover } = await import('./commands/recover.js');
  const code = await recover(ctx, {});
  if (code !== ExitCode.ok) throw new RrError(`recovery of crashed run ${journal.run_id} failed (exit ${code}); the agent takes no job until its rails are known`, ExitCode.runtime, 'see docs/recovery.md');
  return { runId: journal.run_id, runDir: runDir(ctx.root, journal.run_id) };
}
