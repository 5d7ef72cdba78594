import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, InterruptedError, RecordsUnwritableError, RunFault, RuntimeAbortError, signalExitCode } from '../errors.js';
import type { DiagAdapter, RailAdapter } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type Workspace } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { copyInputs } from '../records/inputs.js';
import { writeFileDurable, writeJsonAtomic } from '../records/jsonFile.js';
import { writePlanFile } from '../records/planFile.js';
import { runDir, runsDir } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { acquireRunLock, type RunLock } from '../records/lock.js';
import { emptyCounts, type RunSummary, type SubrunSummary } from '../records/recordTypes.js';
import { reserveSize, reserveSpace, SPACE_RESERVE_FILE, type SpaceReserve } from '../records/spaceReserve.js';
import { startSysinfoSnapshot, SYSINFO_TIMEOUT_MS, type PendingSysinfo } from '../records/sysinfo.js';
import type { HealthSources } from '../health/healthMonitor.js';
import type { HostChoice } from '../workspace/host.js';
import type { RecordedExecutable } from './executableGuard.js';
import type { ExecutionResult } from './executePlan.js';
import type { RecoveryReport } from './recover.js';
import type { ProgressEvent } from './runContext.js';
import { finalRunSummary, initialRunSummary, readBootId } from './runSummary.js';
import { describeFault } from './runFaults.js';
import { completeSysinfo } from './runSysinfo.js';
import { toolVersions } from './toolVersions.js';
import { DEFAULT_CORRECTED_ERRORS } from '../health/healthVerdict.js';

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
  /** Run at most this many sub-runs, then end the run `interrupted` for a later resume (a fleet chunk). */
  chunkLimit?: number;
  /** Told about a crashed run recovered before this one started. */
  onRecovered: (report: RecoveryReport) => void;
  /** The host snapshot, if the caller already started it (it is started here otherwise). */
  sysinfo?: PendingSysinfo;
  /** Where hardware health is read from (default `/sys` and `/dev/kmsg`). */
  healthSources?: HealthSources;
  now: () => Date;
}

/** A run being resumed: its parent summary and the sub-runs that stay as they are. */
export interface ResumeState {
  summary: RunSummary;
  completed: Record<string, SubrunSummary>;
  /** A search run: the sub-runs kept, in execution order (the history the search continues from). */
  kept?: SubrunSummary[];
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
  /** Our own bug stopped the run: the file in the run folder that holds its stack. */
  faultLog: string | null;
}

/** Exit code of §5.5 for a finished run. */
export function exitCodeFor(status: RunSummary['status'], signalName: string | null): number {
  if (status === 'interrupted') return signalExitCode(signalName ?? 'SIGINT');
  if (status === 'aborted') return ExitCode.runtime;
  if (status === 'failed') return ExitCode.failed;
  if (status === 'marginal') return ExitCode.marginal;
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
  // Filled with each used executable's hash and file identity; every launch is checked against it.
  const executables = new Map<string, RecordedExecutable>();
  const sysinfo = completeSysinfo(snapshot, { plan, root, workspace, host: req.host, envPath: req.envPath }, diagAdapters, versions, executables);
  sysinfo.catch(() => undefined); // awaited below (or in finally) on every path
  try {
    const x = await executor;
    stopIfSignalled(req.signal, null);
    const recovered = await x.recoverOrphan(root, req.validators, req.envPath, req.graceMs, req.host.facts).catch((error: unknown) => {
      // An unrecoverable journal blocks every run until the operator settles it (docs/recovery.md).
      throw error instanceof RuntimeAbortError ? new RuntimeAbortError(`run ${plan.run_id} not started: ${error.message}`, error.hint) : error;
    });
    if (recovered) req.onRecovered(recovered);
    // A signal during the recovery did not cut it short; this run does not start after it.
    stopIfSignalled(req.signal, recovered?.run_id ?? null);

    const dir = runDir(root, plan.run_id);
    const created = mkdirSync(dir, { recursive: true });
    const resume = req.resume;
    const start = resume ? resumedStart(resume.summary) : initialRunSummary({ plan, unit: req.unit, host: req.host, versions, startedAt: req.now(), dryRun: req.dryRun });
    const reserve = holdSpace(dir, start, created !== undefined);
    const closing: Closing = { dir, start, reserve, now: req.now, held: null };
    const renderer = loadRenderer();
    try {
      if (!resume) await recordNewRun(req, dir);
      closing.held = writeHeldSummary(path.join(dir, 'summary.json'), start);
      // The report renderer loads while the snapshot finishes (this thread is idle then), and
      // before any step: nothing is compiled while a diagnostic runs.
      const [info] = await Promise.all([sysinfo, renderer]);
      writeJsonAtomic(path.join(dir, resume ? 'sysinfo.resumed.json' : 'sysinfo.json'), info);
    } catch (error) {
      // Nothing was touched yet: the run ends aborted, with the reason in its summary.
      const { reason, isBug } = describeFault(error);
      closeRun(closing, { status: 'aborted', subruns: [], counts: start.counts, reason: `${reason}; nothing was changed`, restoreFailed: false, fault: error }, ExitCode.runtime);
      throw new RecordsUnwritableError(`run ${plan.run_id} aborted before touching any rail: ${reason}`,
        isBug ? `please report it, with ${path.join(dir, FAULT_LOG)}` : 'free space or fix the permissions of runs/, then run again');
    }

    const missing = missingExecutables(plan, workspace);
    if (missing.length > 0 && !req.dryRun) {
      const reason = missing.map((m) => `${m.cause} (${m.fix})`).join('; ');
      closeRun(closing, { status: 'aborted', subruns: [], counts: start.counts, reason, restoreFailed: false, fault: null }, ExitCode.runtime);
      await writeReports(renderer, root, plan.run_id);
      // One line with the cause (and where it is recorded), then the fix as the hint.
      throw new RuntimeAbortError(`run ${plan.run_id} aborted before touching any rail: ${missing.map((m) => m.cause).join('; ')} (recorded in ${path.relative(process.cwd(), dir) || dir})`,
        [...new Set(missing.map((m) => m.fix))].join('; '));
    }

    // Preflights, then the `nominal: read` rails are read: before the journal, nothing touched.
    let readNominals: Record<string, number> = {};
    if (!req.dryRun) {
      const railStart = await x.prepareRails(root, plan, railAdapters, workspace.executables, { RR_RUN_ID: plan.run_id, RR_UNIT: req.unit })
        .catch((error: unknown) => ({ ok: false as const, refusals: [{ cause: `rails could not be prepared: ${describeFault(error).reason}`, fix: 'please report it' }] }));
      if (!railStart.ok) {
        const reason = railStart.refusals.map((m) => `${m.cause} (${m.fix})`).join('; ');
        closeRun(closing, { status: 'aborted', subruns: [], counts: closing.start.counts, reason: `${reason}; nothing was changed`, restoreFailed: false, fault: null }, ExitCode.runtime);
        await writeReports(renderer, root, plan.run_id);
        throw new RuntimeAbortError(`run ${plan.run_id} aborted before touching any rail: ${railStart.refusals.map((m) => m.cause).join('; ')} (recorded in ${path.relative(process.cwd(), dir) || dir})`,
          [...new Set(railStart.refusals.map((m) => m.fix))].join('; '));
      }
      readNominals = railStart.nominals;
    }

    let result: ExecutionResult;
    if (req.dryRun) {
      // A search's probes are decided as it runs: a dry run of one records none.
      const subruns = plan.search ? [] : plan.subruns.map((s) => x.plannedSummary(plan.run_id, s));
      const layout = runFolderLayout(dir, plan.run_id);
      for (const s of subruns) {
        mkdirSync(layout.subrunDir(s.id), { recursive: true });
        writeJsonAtomic(path.join(layout.subrunDir(s.id), 'summary.json'), s);
      }
      result = { status: 'planned', subruns, counts: start.counts, reason: 'dry run: nothing was launched', restoreFailed: false, fault: null };
    } else {
      result = await execute(x, req, dir, diagAdapters, railAdapters, reserve, executables, readNominals);
      try {
        // boundary.json for grid and search runs alike, from the sub-runs as they ended.
        x.writeRunBoundary(plan, dir, result.subruns);
      } catch {
        /* a search rewrote it after each probe; the sub-run summaries hold everything it is read from */
      }
    }
    const signalName = req.signal.aborted && typeof req.signal.reason === 'string' ? req.signal.reason : null;
    // A chunk that ended as asked is a success of its own; the run is continued by a resume.
    const exitCode = result.restoreFailed ? ExitCode.runtime : result.chunkEnded ? ExitCode.ok : exitCodeFor(result.status, signalName);
    const closed = closeRun(closing, result, exitCode);
    const reportWarnings = await writeReports(renderer, root, plan.run_id);
    return { summary: closed.summary, exitCode, runDir: dir, restoreFailed: result.restoreFailed, reportWarnings, faultLog: closed.faultLog };
  } finally {
    // On an early error the snapshot may still be running: it stops with the run, before the lock is released.
    snapshot.cancel();
    await sysinfo.catch(() => undefined);
    await lock.release();
  }
}

type Executor = Awaited<ReturnType<typeof loadExecutor>>;

// The sub-runs, under the crash journal. Never throws once a rail may have been touched: what
// went wrong comes back in the result, with the rails at nominal (or the journal kept).
async function execute(x: Executor, req: SessionRequest, dir: string, adapters: Record<string, DiagAdapter>, railAdapters: RailAdapter[], reserve: SpaceReserve, executables: ReadonlyMap<string, RecordedExecutable>,
  readNominals: Record<string, number>): Promise<ExecutionResult> {
  const { plan, root } = req;
  const runs = runsDir(root);
  // Where the steps' processes are held is decided once, before the journal that names it.
  const processes = x.openRunProcesses(plan.run_id);
  try {
    return await executeHeld(x, req, dir, adapters, railAdapters, reserve, executables, processes, readNominals);
  } finally {
    // Every step ended its own processes; this ends what an error path may have left.
    processes.close();
  }
}

async function executeHeld(x: Executor, req: SessionRequest, dir: string, adapters: Record<string, DiagAdapter>, railAdapters: RailAdapter[], reserve: SpaceReserve,
  executables: ReadonlyMap<string, RecordedExecutable>, processes: ReturnType<Executor['openRunProcesses']>, readNominals: Record<string, number>): Promise<ExecutionResult> {
  const { plan, root } = req;
  const runs = runsDir(root);
  let journal: ReturnType<Executor['openJournal']>;
  let log: ReturnType<Executor['openRunEventLog']>;
  try {
    journal = x.openJournal(runs, plan.run_id, req.now, processes.cgroup);
  } catch (error) {
    return notStarted(reserve, error);
  }
  try {
    log = x.openRunEventLog(dir, plan.run_id);
  } catch (error) {
    try {
      journal.clear();
    } catch {
      /* no rail is in it: a later recovery only marks this run crashed */
    }
    return notStarted(reserve, error);
  }
  // The nominals read at the start are recorded before any rail is set (the journal gets each
  // one with the rail, when it is first touched).
  for (const [rail, value] of Object.entries(readNominals)) {
    try {
      log.append({ event: 'margin_nominal', run_id: plan.run_id, subrun_id: null, rail, adapter: plan.rails[rail]?.adapter ?? null, value, source: 'read' });
    } catch {
      /* the value is still journalled with the rail; a full disk stops the run at its first step record */
    }
  }
  let result: ExecutionResult;
  try {
    try {
      result = await x.executePlan({
        plan, root, runDir: dir, unit: req.unit, adapters,
        actuators: x.buildActuators(root, Object.keys(plan.rails), railAdapters, req.workspace.executables, readNominals),
        graceMs: req.graceMs, signal: req.signal, log, journal, progress: req.progress, now: req.now, completed: req.resume?.completed, reserve, executables, processes, chunkLimit: req.chunkLimit,
        scheduler: plan.search ? x.openSearchScheduler(plan, dir, req.resume?.kept ?? []) : undefined,
        health: {
          sources: req.healthSources ?? { sysfsRoot: '/sys', kmsgFile: '/dev/kmsg' },
          policy: req.workspace.policy?.data.health?.corrected_errors ?? DEFAULT_CORRECTED_ERRORS,
        },
      });
    } finally {
      try {
        log.close();
      } catch {
        /* every event was already handed to the kernel */
      }
    }
  } catch (error) {
    // executePlan restores rails on every path; anything escaping it is kept safe by the journal.
    reserve.release();
    const reason = `${describeFault(error).reason}; the crash journal is kept for \`road_runner recover\``;
    return { status: 'aborted', subruns: [], counts: emptyCounts(), reason, restoreFailed: true, fault: error };
  }
  if (!result.restoreFailed) {
    try {
      journal.clear();
    } catch {
      /* a journal whose process is gone and whose rails are at nominal: the next recovery finds nothing to do */
    }
  }
  return result;
}

// The journal or the event log could not be opened: no rail was touched, no diagnostic started.
function notStarted(reserve: SpaceReserve, error: unknown): ExecutionResult {
  reserve.release();
  return { status: 'aborted', subruns: [], counts: emptyCounts(), reason: `${describeFault(error).reason}; nothing was changed`, restoreFailed: false, fault: error };
}

/** What a run's closing records need. */
interface Closing {
  dir: string;
  start: RunSummary;
  reserve: SpaceReserve;
  now: () => Date;
  /** The first summary.json, padded and kept open: the last resort for the final one. */
  held: HeldSummary | null;
}

/** A summary file kept open for writing, `bytes` long (JSON, then spaces). */
interface HeldSummary {
  fd: number;
  bytes: number;
}

// The first summary, padded with trailing spaces (still plain JSON) to room for the final one,
// and kept open: if the folder turns read-only or the disk fills, the final summary can still
// be written over it in place, through this descriptor, without new space.
function writeHeldSummary(file: string, summary: RunSummary): HeldSummary {
  const text = `${JSON.stringify(summary, null, 2)}\n`;
  const bytes = 2 * Buffer.byteLength(text) + 64 * 1024;
  writeFileDurable(file, text.padEnd(bytes, ' '));
  return { fd: openSync(file, 'r+'), bytes };
}

// Overwrites the held summary in place; false when it does not fit or cannot be written either.
function overwriteHeld(held: HeldSummary | null, summary: RunSummary): boolean {
  if (held === null) return false;
  const text = Buffer.from(`${JSON.stringify(summary, null, 2)}\n`);
  if (text.length > held.bytes) return false;
  const whole = Buffer.alloc(held.bytes, 0x20);
  text.copy(whole);
  try {
    for (let done = 0; done < whole.length; ) done += writeSync(held.fd, whole, done, whole.length - done, done);
    fsyncSync(held.fd);
    return true;
  } catch {
    return false;
  }
}

function closeHeld(c: Closing): void {
  if (c.held === null) return;
  try {
    closeSync(c.held.fd);
  } catch {
    /* nothing left to do with it */
  }
  c.held = null;
}

// Writes the final summary (and, for our own bug, its stack) with the reserved space freed
// first. A run folder removed under the run is made again for it. Throws only if even that fails.
function closeRun(c: Closing, result: ExecutionResult, exitCode: number): { summary: RunSummary; faultLog: string | null } {
  c.reserve.release();
  const fault = result.fault === null ? null : describeFault(result.fault);
  let faultLog: string | null = null;
  if (fault?.isBug) {
    faultLog = path.join(c.dir, FAULT_LOG);
    try {
      mkdirSync(c.dir, { recursive: true });
      writeFileSync(faultLog, stackOf(result.fault));
    } catch {
      faultLog = null;
    }
  }
  const reason = faultLog ? `${result.reason} (details in ${FAULT_LOG})` : result.reason;
  const summary = finalRunSummary(c.start, result.subruns, { status: result.status, reason, exitCode, endedAt: c.now(), health: result.health ?? null });
  try {
    mkdirSync(c.dir, { recursive: true });
    writeJsonAtomic(path.join(c.dir, 'summary.json'), summary);
  } catch (error) {
    const inPlace = overwriteHeld(c.held, summary);
    closeHeld(c);
    if (inPlace) return { summary, faultLog };
    throw new RecordsUnwritableError(`run ${c.start.run_id} ended ${summary.status}${reason ? ` (${reason})` : ''}, but its summary could not be written: ${describeFault(error).reason}`,
      'free space or fix the permissions of runs/; the steps recorded so far are in the run folder');
  }
  closeHeld(c);
  return { summary, faultLog };
}

/** Where the stack of our own bug goes, in the run folder (the terminal gets one line). */
export const FAULT_LOG = 'internal-error.log';

function stackOf(error: unknown): string {
  const inner = error instanceof RunFault ? error.error : error;
  return `${inner instanceof Error ? (inner.stack ?? inner.message) : String(inner)}\n`;
}

// The space for the closing records, held before anything else is written. Too little room
// even for that: the run does not start (nothing was touched), and a folder made for it goes.
function holdSpace(dir: string, start: RunSummary, isNewFolder: boolean): SpaceReserve {
  try {
    return reserveSpace(path.join(dir, SPACE_RESERVE_FILE), reserveSize(JSON.stringify(start, null, 2).length));
  } catch (error) {
    if (isNewFolder) rmSync(dir, { recursive: true, force: true });
    throw new RecordsUnwritableError(`run ${start.run_id} not started: not enough room to record it (${describeFault(error).reason}); nothing was changed`,
      'free space in runs/ (or point --root at a workspace on another disk), then run again');
  }
}

// A signal before the run touched anything: it does not start (exit 128 + N).
function stopIfSignalled(signal: AbortSignal, recovered: string | null): void {
  if (!signal.aborted) return;
  const after = recovered ? ` (crashed run ${recovered} was recovered first)` : '';
  const why: unknown = signal.reason;
  if (why instanceof RunFault) throw new RuntimeAbortError(`${describeFault(why).reason}; the run was not started${after}`);
  throw new InterruptedError(String(why), `${String(why)} received before the run started: nothing was changed${after}`);
}

// The executor proper (recovery, journal, event log, sub-runs, actuators), loaded while the
// lock is taken and the sysinfo snapshot runs rather than before either.
async function loadExecutor() {
  const [plan, actuators, journal, recover, eventLog, processes, railStart, search] = await Promise.all([
    import('./executePlan.js'), import('./actuators.js'), import('./journalKeeper.js'), import('./recover.js'), import('../records/runEventLog.js'),
    import('./stepProcesses.js'), import('./railStart.js'), import('../search/searchRun.js'),
  ]);
  return {
    executePlan: plan.executePlan, plannedSummary: plan.plannedSummary, buildActuators: actuators.buildActuators,
    openJournal: journal.openJournal, recoverOrphan: recover.recoverOrphan, openRunEventLog: eventLog.openRunEventLog,
    openRunProcesses: processes.openRunProcesses, prepareRails: railStart.prepareRails,
    openSearchScheduler: search.openSearchScheduler, writeRunBoundary: search.writeRunBoundary,
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

// A new run's folder: the plan and byte copies of its inputs.
async function recordNewRun(req: SessionRequest, dir: string): Promise<void> {
  const { plan, workspace } = req;
  writePlanFile(path.join(dir, 'plan.json'), plan);
  // Input paths are relative to the workspace the plan was loaded from (a run's inputs/ for rerun-last).
  const copied = await copyInputs(workspace.root, plan.inputs.map((i) => path.resolve(workspace.root, i.file)), path.join(dir, 'inputs'));
  // Where each input's copy went, so rerun-last and resume can load the run's own files.
  writeJsonAtomic(path.join(dir, 'inputs', inputsManifest), copied);
}

// A resumed run keeps its start time and record; its status is open again until it ends.
function resumedStart(summary: RunSummary): RunSummary {
  // It now runs on this boot: a later resume compares against this boot, not the first one.
  // The tally is written with the final summary only: one left from before would go stale if this run crashed.
  return { ...summary, status: 'planned', ended_at: null, exit_code: null, reason: null, subrun_counts: undefined, boot_id: readBootId() };
}
