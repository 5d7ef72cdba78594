import type { DiagAdapter } from '../config/schemas/index.js';
import type { HealthSources } from '../health/healthMonitor.js';
import type { EventLog } from '../records/eventLog.js';
import type { CorrectedErrorsPolicy, StatusCounts, StepStatus, SubrunSummary } from '../records/recordTypes.js';
import type { Plan, PlannedSubrun } from '../plan/types.js';
import type { RecordedExecutable } from './executableGuard.js';
import type { JournalKeeper } from './journalKeeper.js';
import type { RailActuator } from './rails.js';
import type { RunProcesses } from './stepProcesses.js';
import type { SpaceReserve } from '../records/spaceReserve.js';

/** Something worth showing the operator while a run goes on. */
export type ProgressEvent =
  | { kind: 'subrun_start'; index: number; total: number; id: string; margins: Record<string, number> }
  | { kind: 'step_start'; subrun: number; total: number; step_id: string; index: number; steps: number }
  | { kind: 'step_end'; subrun: number; total: number; step_id: string; index: number; status: StepStatus; duration_ms: number; counts: StatusCounts }
  | { kind: 'subrun_end'; index: number; total: number; id: string; status: string }
  | { kind: 'rail'; message: string };

/** Everything executePlan needs; dependencies come in, nothing is global. */
export interface RunContext {
  plan: Plan;
  root: string;
  runDir: string;
  unit: string;
  /** Diagnostic manifests by adapter name. */
  adapters: Record<string, DiagAdapter>;
  /** Actuators by rail name (passive rails have none). */
  actuators: Record<string, RailActuator>;
  graceMs: number;
  signal: AbortSignal;
  log: EventLog;
  journal: JournalKeeper;
  progress: (event: ProgressEvent) => void;
  now: () => Date;
  /** process.env as the run found it less the operator's RR_* variables, copied once and given to every step (executePlan fills it in). */
  inheritedEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Executables as hashed at the start of the run, by adapter name: each is verified before a
   * step launches it, and a changed one stops the run (executableGuard.ts). Absent: not checked.
   */
  executables?: ReadonlyMap<string, RecordedExecutable>;
  /** Holds each step's processes (cgroup or marker) so none outlives its step; none: the process group only. */
  processes?: RunProcesses;
  /** Space held for the closing records; freed when a record cannot be written (docs/decisions.md). */
  reserve?: SpaceReserve;
  /** Where hardware health is read from and what a corrected error makes a sub-run; absent: health is not read. */
  health?: { sources: HealthSources; policy: CorrectedErrorsPolicy };
  /** Sub-runs finished before a resume: kept as they are, not executed again. */
  completed?: Record<string, SubrunSummary>;
  /** Where the sub-runs come from when they are decided as the run goes (a search): instead of the plan's list. */
  scheduler?: SubrunScheduler;
  /**
   * Run at most this many sub-runs here (a fleet job's chunk): the rest stay `planned` and the
   * run ends `interrupted` between two sub-runs (every rail at nominal), to be continued by a
   * resume. Not used with a scheduler (a search decides its sub-runs as it goes).
   */
  chunkLimit?: number;
}

/**
 * A source of sub-runs decided one at a time from the outcomes so far (a search, SPEC §10).
 * executePlan runs what `next` hands it, exactly as a planned sub-run, and reports each end.
 */
export interface SubrunScheduler {
  /** Sub-runs finished before a resume, in order: counted in the result, not run again. */
  kept: SubrunSummary[];
  /** Upper estimate of the sub-runs, for progress. */
  total: number;
  /** The next sub-run to run, or null when the search is done. Its values are planned and checked points. */
  next(): PlannedSubrun | null;
  /** A sub-run ended (its summary is written next). */
  ended(sub: PlannedSubrun, summary: SubrunSummary): void;
}
