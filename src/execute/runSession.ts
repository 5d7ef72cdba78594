import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, RuntimeAbortError } from '../errors.js';
import type { DiagAdapter, RailAdapter } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type Workspace } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { openEventLog } from '../records/eventLog.js';
import { copyInputs } from '../records/inputs.js';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { writePlanFile } from '../records/planFile.js';
import { runDir, runsDir } from '../records/layout.js';
import { acquireRunLock } from '../records/lock.js';
import type { RunSummary, SubrunSummary } from '../records/recordTypes.js';
import { collectSysinfo } from '../records/sysinfo.js';
import { findOnPath } from '../workspace/executable.js';
import type { HostChoice } from '../workspace/host.js';
import { buildActuators } from './actuators.js';
import { executePlan, plannedSummary, type ExecutionResult } from './executePlan.js';
import { openJournal } from './journalKeeper.js';
import { recoverOrphan, type RecoveryReport } from './recover.js';
import type { ProgressEvent } from './runContext.js';
import { finalRunSummary, initialRunSummary, readBootId } from './runSummary.js';
import { hashExecutable, runVersionCommand, toolVersions } from './toolVersions.js';

/** File in inputs/ mapping each original input path to its copy. */
export const inputsManifest = '.manifest.json';

/** A planned run ready to start, with everything it needs passed in. */
export interface SessionRequest {
  root: string;
  plan: Plan;
  workspace: Workspace;
  validators: Validators;
  host: HostChoice;
  unit: string;
  dryRun: boolean;
  graceMs: number;
  signal: AbortSignal;
  envPath: string;
  progress: (event: ProgressEvent) => void;
  /** Continue a stopped run in its own folder instead of starting a new one. */
  resume?: ResumeState;
  /** Told about a crashed run recovered before this one started. */
  onRecovered: (report: RecoveryReport) => void;
  now: () => Date;
}

/** A run being resumed: its parent summary and the sub-runs that stay as they are. */
export interface ResumeState {
  summary: RunSummary;
  completed: Record<string, SubrunSummary>;
}

/** How a run ended: its parent summary and the exit code of SPEC §5.5. */
export interface SessionResult {
  summary: RunSummary;
  exitCode: number;
  runDir: string;
  /** A rail could not be verified back at nominal: the crash journal was kept for `recover`. */
  restoreFailed: boolean;
  /** Anything the report renderer could not show; the run itself is unaffected. */
  reportWarnings: string[];
}

/** Exit code of §5.5 for a finished run. */
export function exitCodeFor(status: RunSummary['status'], signalName: string | null): number {
  if (status === 'interrupted') return signalName === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
  if (status === 'aborted') return ExitCode.runtime;
  if (status === 'failed') return ExitCode.failed;
  return ExitCode.ok;
}

/** An adapter whose executable cannot be run: what is wrong and what to do about it. */
interface MissingExecutable {
  cause: string;
  fix: string;
}

function missingExecutables(plan: Plan, workspace: Workspace): MissingExecutable[] {
  const names = new Set<string>(plan.subruns[0]?.steps.map((s) => s.adapter) ?? []);
  for (const rail of Object.values(plan.rails)) if (rail.adapter) names.add(rail.adapter);
  const out: MissingExecutable[] = [];
  for (const name of names) {
    const ref = workspace.executables[name];
    if (ref?.found) continue;
    const file = ref?.ref ?? '?';
    out.push(ref?.kind === 'path'
      ? { cause: `adapter ${name}: executable ${file} is not on PATH`, fix: `install ${file} (e.g. apt-get install ${file})` }
      : { cause: `adapter ${name}: executable ${file} is missing or not executable`, fix: `put ${file} in place and chmod +x it` });
  }
  return out;
}

/**
 * Runs a plan under the host lock: recovers a crashed run first, records inputs and sysinfo,
 * journals every rail before touching it, executes, and writes the summaries. Rails end at
 * nominal on every path out; the journal stays only when a rail could not be restored.
 */
export async function runSession(req: SessionRequest): Promise<SessionResult> {
  const { plan, root, workspace } = req;
  const runs = runsDir(root);
  mkdirSync(runs, { recursive: true });
  const lock = await acquireRunLock(runs, { run_id: plan.run_id });
  try {
    const recovered = await recoverOrphan(root, req.validators, req.envPath, req.graceMs);
    if (recovered) req.onRecovered(recovered);

    const dir = runDir(root, plan.run_id);
    mkdirSync(dir, { recursive: true });
    const resume = req.resume;
    const start = resume ? resumedStart(resume.summary) : await recordNewRun(req, dir);
    writeJsonAtomic(path.join(dir, 'summary.json'), start);

    const diagAdapters: Record<string, DiagAdapter> = {};
    const railAdapters: RailAdapter[] = [];
    for (const a of workspace.adapters) {
      if (isRailAdapter(a.data)) railAdapters.push(a.data);
      else diagAdapters[a.data.name] = a.data;
    }
    await writeSysinfo(path.join(dir, resume ? 'sysinfo.resumed.json' : 'sysinfo.json'), req, diagAdapters);

    const missing = missingExecutables(plan, workspace);
    if (missing.length > 0 && !req.dryRun) {
      const reason = missing.map((m) => `${m.cause} (${m.fix})`).join('; ');
      const summary = finalRunSummary(start, [], { status: 'aborted', reason, exitCode: ExitCode.runtime, endedAt: req.now() });
      writeJsonAtomic(path.join(dir, 'summary.json'), summary);
      await writeReports(root, plan.run_id);
      // One line with the cause (and where it is recorded), then the fix as the hint.
      throw new RuntimeAbortError(`run ${plan.run_id} aborted before touching any rail: ${missing.map((m) => m.cause).join('; ')} (recorded in ${path.relative(process.cwd(), dir) || dir})`,
        [...new Set(missing.map((m) => m.fix))].join('; '));
    }

    let result: ExecutionResult;
    if (req.dryRun) {
      const subruns = plan.subruns.map((s) => plannedSummary(plan.run_id, s));
      for (const s of subruns) {
        mkdirSync(path.join(dir, s.id), { recursive: true });
        writeJsonAtomic(path.join(dir, s.id, 'summary.json'), s);
      }
      result = { status: 'planned', subruns, counts: start.counts, reason: 'dry run: nothing was launched', restoreFailed: false };
    } else {
      const journal = openJournal(runs, plan.run_id, req.now);
      const log = openEventLog(path.join(dir, 'steps.ldjson'));
      try {
        result = await executePlan({
          plan, root, runDir: dir, unit: req.unit, adapters: diagAdapters,
          actuators: buildActuators(root, Object.keys(plan.rails), railAdapters, workspace.executables),
          graceMs: req.graceMs, signal: req.signal, log, journal, progress: req.progress, now: req.now, completed: resume?.completed,
        });
      } finally {
        log.close();
      }
      if (!result.restoreFailed) journal.clear();
    }
    const signalName = req.signal.aborted ? String(req.signal.reason ?? 'SIGINT') : null;
    const exitCode = result.restoreFailed ? ExitCode.runtime : exitCodeFor(result.status, signalName);
    const summary = finalRunSummary(start, result.subruns, { status: result.status, reason: result.reason, exitCode, endedAt: req.now() });
    writeJsonAtomic(path.join(dir, 'summary.json'), summary);
    const reportWarnings = await writeReports(root, plan.run_id);
    return { summary, exitCode, runDir: dir, restoreFailed: result.restoreFailed, reportWarnings };
  } finally {
    await lock.release();
  }
}

// Reports are written at the end of every run, also failed, interrupted and aborted ones. A
// report problem never changes the run's outcome: it comes back as a warning.
async function writeReports(root: string, runId: string): Promise<string[]> {
  try {
    const { renderReports } = await import('../report/render.js');
    const r = await renderReports(root, runId);
    return r.warnings;
  } catch (error) {
    return [`reports not written: ${(error as Error).message}`];
  }
}

// A new run's folder: the plan, byte copies of its inputs, and its first summary.
async function recordNewRun(req: SessionRequest, dir: string): Promise<RunSummary> {
  const { plan, workspace } = req;
  writePlanFile(path.join(dir, 'plan.json'), plan);
  // Input paths are relative to the workspace the plan was loaded from (a run's inputs/ for rerun-last).
  const copied = await copyInputs(workspace.root, plan.inputs.map((i) => path.resolve(workspace.root, i.file)), path.join(dir, 'inputs'));
  // Where each input's copy went, so rerun-last and resume can load the run's own files.
  writeJsonAtomic(path.join(dir, 'inputs', inputsManifest), copied);
  return initialRunSummary({ plan, unit: req.unit, host: req.host, versions: toolVersions(), startedAt: req.now(), dryRun: req.dryRun });
}

// A resumed run keeps its start time and record; its status is open again until it ends.
function resumedStart(summary: RunSummary): RunSummary {
  // It now runs on this boot: a later resume compares against this boot, not the first one.
  return { ...summary, status: 'planned', ended_at: null, exit_code: null, reason: null, boot_id: readBootId() };
}

async function writeSysinfo(file: string, req: SessionRequest, diags: Record<string, DiagAdapter>): Promise<void> {
  const used = new Set(req.plan.subruns[0]?.steps.map((s) => s.adapter) ?? []);
  for (const r of Object.values(req.plan.rails)) if (r.adapter) used.add(r.adapter);
  const adapters: Record<string, { executable: string; sha256: string; version?: string }> = {};
  await Promise.all([...used].map(async (name) => {
    const ref = req.workspace.executables[name];
    if (!ref) return;
    const file = ref.kind === 'diags' ? path.join(req.root, ref.ref) : findOnPath(ref.ref, req.envPath);
    const entry: { executable: string; sha256: string; version?: string } = {
      executable: file ?? ref.ref,
      sha256: ref.found && file ? await hashExecutable(file) : 'missing',
    };
    const versionCmd = diags[name]?.version_cmd;
    if (versionCmd && ref.found) entry.version = await runVersionCommand(versionCmd, req.root);
    adapters[name] = entry;
  }));
  const sysinfo = await collectSysinfo({ timeoutMs: 3000, rawHost: req.host.texts, extra: { versions: toolVersions(), adapters, host_origin: req.host.origin } });
  writeJsonAtomic(file, sysinfo);
}
