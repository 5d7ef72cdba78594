import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, RuntimeAbortError } from '../errors.js';
import type { DiagAdapter, RailAdapter } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type Workspace } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { copyInputs } from '../records/inputs.js';
import { writeJsonAtomic } from '../records/jsonFile.js';
import { writePlanFile } from '../records/planFile.js';
import { runDir, runsDir } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { acquireRunLock, type RunLock } from '../records/lock.js';
import type { RunSummary, SubrunSummary } from '../records/recordTypes.js';
import { startSysinfoSnapshot, SYSINFO_TIMEOUT_MS, type PendingSysinfo } from '../records/sysinfo.js';
import type { HostChoice } from '../workspace/host.js';
import type { ExecutionResult } from './executePlan.js';
import type { RecoveryReport } from './recover.js';
import type { ProgressEvent } from './runContext.js';
import { finalRunSummary, initialRunSummary, readBootId } from './runSummary.js';
import { completeSysinfo } from './runSysinfo.js';
import { toolVersions } from './toolVersions.js';

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
  /** The host snapshot, if the caller already started it (it is started here otherwise). */
  sysinfo?: PendingSysinfo;
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
  // The host snapshot runs in a worker thread from the start: its shells run while the lock
  // is taken, the executor loads, recovery checks and the run folder is recorded. It is
  // written before any rail is set or any diagnostic is launched.
  const snapshot = req.sysinfo ?? startSysinfoSnapshot({ timeoutMs: SYSINFO_TIMEOUT_MS, now: req.now });
  const executor = loadExecutor();
  executor.catch(() => undefined); // awaited below; a lock error must not leave it unhandled
  let lock: RunLock;
  try {
    lock = await acquireRunLock(runs, { run_id: plan.run_id });
  } catch (error) {
    snapshot.cancel(); // refused: do not disturb the run that holds the lock
    throw error;
  }
  const diagAdapters: Record<string, DiagAdapter> = {};
  const railAdapters: RailAdapter[] = [];
  for (const a of workspace.adapters) {
    if (isRailAdapter(a.data)) railAdapters.push(a.data);
    else diagAdapters[a.data.name] = a.data;
  }
  const versions = toolVersions();
  const sysinfo = completeSysinfo(snapshot, { plan, root, workspace, host: req.host, envPath: req.envPath }, diagAdapters, versions);
  sysinfo.catch(() => undefined); // awaited below (or in finally) on every path
  try {
    const x = await executor;
    const recovered = await x.recoverOrphan(root, req.validators, req.envPath, req.graceMs);
    if (recovered) req.onRecovered(recovered);

    const dir = runDir(root, plan.run_id);
    mkdirSync(dir, { recursive: true });
    const resume = req.resume;
    const start = resume ? resumedStart(resume.summary) : await recordNewRun(req, dir, versions);
    writeJsonAtomic(path.join(dir, 'summary.json'), start);
    // The report renderer loads while the snapshot finishes (this thread is idle then), and
    // before any step: nothing is compiled while a diagnostic runs.
    const renderer = loadRenderer();
    const [info] = await Promise.all([sysinfo, renderer]);
    writeJsonAtomic(path.join(dir, resume ? 'sysinfo.resumed.json' : 'sysinfo.json'), info);

    const missing = missingExecutables(plan, workspace);
    if (missing.length > 0 && !req.dryRun) {
      const reason = missing.map((m) => `${m.cause} (${m.fix})`).join('; ');
      const summary = finalRunSummary(start, [], { status: 'aborted', reason, exitCode: ExitCode.runtime, endedAt: req.now() });
      writeJsonAtomic(path.join(dir, 'summary.json'), summary);
      await writeReports(renderer, root, plan.run_id);
      // One line with the cause (and where it is recorded), then the fix as the hint.
      throw new RuntimeAbortError(`run ${plan.run_id} aborted before touching any rail: ${missing.map((m) => m.cause).join('; ')} (recorded in ${path.relative(process.cwd(), dir) || dir})`,
        [...new Set(missing.map((m) => m.fix))].join('; '));
    }

    let result: ExecutionResult;
    if (req.dryRun) {
      const subruns = plan.subruns.map((s) => x.plannedSummary(plan.run_id, s));
      const layout = runFolderLayout(dir, plan.run_id);
      for (const s of subruns) {
        mkdirSync(layout.subrunDir(s.id), { recursive: true });
        writeJsonAtomic(path.join(layout.subrunDir(s.id), 'summary.json'), s);
      }
      result = { status: 'planned', subruns, counts: start.counts, reason: 'dry run: nothing was launched', restoreFailed: false };
    } else {
      const journal = x.openJournal(runs, plan.run_id, req.now);
      const log = x.openRunEventLog(dir, plan.run_id);
      try {
        result = await x.executePlan({
          plan, root, runDir: dir, unit: req.unit, adapters: diagAdapters,
          actuators: x.buildActuators(root, Object.keys(plan.rails), railAdapters, workspace.executables),
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
    const reportWarnings = await writeReports(renderer, root, plan.run_id);
    return { summary, exitCode, runDir: dir, restoreFailed: result.restoreFailed, reportWarnings };
  } finally {
    // On an early error the snapshot may still be running: it stops with the run, before the lock is released.
    snapshot.cancel();
    await sysinfo.catch(() => undefined);
    await lock.release();
  }
}

// The executor proper (recovery, journal, event log, sub-runs, actuators), loaded while the
// lock is taken and the sysinfo snapshot runs rather than before either.
async function loadExecutor() {
  const [plan, actuators, journal, recover, eventLog] = await Promise.all([
    import('./executePlan.js'), import('./actuators.js'), import('./journalKeeper.js'), import('./recover.js'), import('../records/runEventLog.js'),
  ]);
  return {
    executePlan: plan.executePlan, plannedSummary: plan.plannedSummary, buildActuators: actuators.buildActuators,
    openJournal: journal.openJournal, recoverOrphan: recover.recoverOrphan, openRunEventLog: eventLog.openRunEventLog,
  };
}

type Renderer = typeof import('../report/render.js');

// The report renderer with its template engine, or why it could not be loaded (never rejects).
async function loadRenderer(): Promise<Renderer | Error> {
  try {
    const renderer = await import('../report/render.js');
    await renderer.loadTemplateEngine();
    return renderer;
  } catch (error) {
    return error as Error;
  }
}

// Reports are written at the end of every run, also failed, interrupted and aborted ones. A
// report problem never changes the run's outcome: it comes back as a warning.
async function writeReports(renderer: Promise<Renderer | Error>, root: string, runId: string): Promise<string[]> {
  try {
    const loaded = await renderer;
    if (loaded instanceof Error) throw loaded;
    const r = await loaded.renderReports(root, runId);
    return r.warnings;
  } catch (error) {
    return [`reports not written: ${(error as Error).message}`];
  }
}

// A new run's folder: the plan, byte copies of its inputs, and its first summary.
async function recordNewRun(req: SessionRequest, dir: string, versions: Record<string, string>): Promise<RunSummary> {
  const { plan, workspace } = req;
  writePlanFile(path.join(dir, 'plan.json'), plan);
  // Input paths are relative to the workspace the plan was loaded from (a run's inputs/ for rerun-last).
  const copied = await copyInputs(workspace.root, plan.inputs.map((i) => path.resolve(workspace.root, i.file)), path.join(dir, 'inputs'));
  // Where each input's copy went, so rerun-last and resume can load the run's own files.
  writeJsonAtomic(path.join(dir, 'inputs', inputsManifest), copied);
  return initialRunSummary({ plan, unit: req.unit, host: req.host, versions, startedAt: req.now(), dryRun: req.dryRun });
}

// A resumed run keeps its start time and record; its status is open again until it ends.
function resumedStart(summary: RunSummary): RunSummary {
  // It now runs on this boot: a later resume compares against this boot, not the first one.
  return { ...summary, status: 'planned', ended_at: null, exit_code: null, reason: null, boot_id: readBootId() };
}
