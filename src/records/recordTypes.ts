// The shapes of what a run leaves on disk (SPEC §5.3, §9). Plain data, written as JSON;
// `report`, `export`, `rerun-last` and `recover` read them back without any other input.
import type { Scalar } from '../config/schemas/index.js';
import type { EffectiveBounds } from '../safety/bounds.js';

/** Outcome of one step invocation (`step_end.status`), plus `skipped` for steps never started. */
export type StepStatus = 'passed' | 'failed' | 'timeout' | 'error' | 'interrupted' | 'skipped';

/**
 * Outcome of a run or sub-run. `marginal`: every step passed, but something says the part is
 * near its limit (a new corrected memory error under the default health policy); worse than
 * passed, better than failed (docs/decisions.md).
 */
export type RunStatus = 'passed' | 'marginal' | 'failed' | 'interrupted' | 'crashed' | 'aborted' | 'planned';

/** Every run status, best first (a tally of sub-runs lists them in this order). */
export const RUN_STATUSES: readonly RunStatus[] = ['passed', 'marginal', 'failed', 'crashed', 'interrupted', 'aborted', 'planned'];

export interface StatusCounts {
  passed: number;
  failed: number;
  timeout: number;
  error: number;
  interrupted: number;
  skipped: number;
  /** Steps that passed inside their metric limits but outside the marginal band (also counted in `passed`; absent in older runs). */
  marginal: number;
}

/** Line of `steps.ldjson` written before a diagnostic starts. */
export interface StepStartEvent {
  ts: string;
  event: 'step_start';
  run_id: string;
  subrun_id: string;
  index: number;
  step_id: string;
  adapter: string;
  argv: string[];
  params: Record<string, Scalar>;
  /** Every rail value in force while the step runs (default target plus the adapter's own). */
  margins: Record<string, number>;
  seed: number;
  log_name: string;
}

/** Line of `steps.ldjson` written when a diagnostic has ended (or could not start). */
export interface StepEndEvent {
  ts: string;
  event: 'step_end';
  run_id: string;
  subrun_id: string;
  index: number;
  step_id: string;
  adapter: string;
  status: Exclude<StepStatus, 'skipped'>;
  exit_code: number | null;
  signal: string | null;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  metrics: Record<string, number | string>;
  error: string | null;
  /** True when the step passed inside its metric limits but outside their marginal band (absent in older runs: false). */
  marginal?: boolean;
  /** Which metric lay outside the marginal band, and by how much (marginal steps only). */
  marginal_reason?: string;
}

/** Line of `steps.ldjson` for a rail set through its actuator (requested and read back). */
export interface MarginSetEvent {
  ts: string;
  event: 'margin_set';
  run_id: string;
  subrun_id: string;
  rail: string;
  adapter: string;
  /** `default`, or the adapter whose steps this value is held for. */
  target: string;
  requested: number;
  read_back: number | null;
  ok: boolean;
  error: string | null;
  /** Whether the actuator's `set` call started at all; false: the rail was not changed (absent in older records). */
  set_started?: boolean;
}

/** Line of `steps.ldjson` for a rail returned to its nominal (or sub-run default) value. */
export interface MarginRestoreEvent {
  ts: string;
  event: 'margin_restore';
  run_id: string;
  subrun_id: string | null;
  rail: string;
  adapter: string;
  requested: number;
  read_back: number | null;
  ok: boolean;
  /** Why: end of sub-run, end of an adapter target, abort, interrupt, crash recovery. */
  reason: string;
  error: string | null;
  /** Crash recovery only: whose manifest restored it, the copy in inputs/ (`recorded`) or today's adapters/ (`workspace`). */
  adapter_source?: 'recorded' | 'workspace';
  /** Crash recovery only: that manifest file (relative to the workspace root) and its sha256. */
  manifest?: string | null;
  manifest_sha256?: string | null;
}

/** Line of `steps.ldjson` written by `recover --clear`: the operator settled the journal, no actuator was called. */
export interface JournalClearedEvent {
  ts: string;
  event: 'journal_cleared';
  run_id: string;
  subrun_id: string | null;
  /** The user who ran `recover --clear`. */
  by: string;
  at: string;
  /** The rails the journal listed, with the nominal they were to return to. */
  rails: Record<string, { nominal: number; adapter: string }>;
  rails_restored_by_road_runner: false;
}

/** How a crashed run's journal was settled (`summary.json` field `recovery`). */
export interface RunRecovery {
  /** `restored`: road_runner put the rails back; `cleared`: the operator confirmed nominal (`recover --clear`). */
  action: 'restored' | 'cleared';
  at: string;
  /** The user who ran the recovery. */
  by: string;
  /** False when the operator cleared the journal, or when the run had changed no rail. */
  rails_restored_by_road_runner: boolean;
  /** The manifests used to restore: `recorded` (inputs/ copies) or `workspace` (today's adapters/); null when none were. */
  adapter_source: 'recorded' | 'workspace' | null;
  /** The rails of the journal: nominal, adapter, and the manifest that restored them when one did. */
  rails: Record<string, { nominal: number; adapter: string; manifest?: string | null; manifest_sha256?: string | null }>;
}


/** Line of `steps.ldjson` for a nominal read from the rail at the start of the run (`nominal: read`). */
export interface MarginNominalEvent {
  ts: string;
  event: 'margin_nominal';
  run_id: string;
  subrun_id: null;
  rail: string;
  adapter: string | null;
  /** The value read, restored after every sub-run, abort, interrupt and crash recovery. */
  value: number;
  source: 'read';
}

/** What a new corrected error (or kernel hardware-error line) makes a sub-run: `health.corrected_errors` of the policy. */
export type CorrectedErrorsPolicy = 'record' | 'marginal' | 'fail';

/** What the health readings alone make of a sub-run. */
export type HealthVerdict = 'passed' | 'marginal' | 'failed';

/** Whether a health source could be read, and where from or why not. */
export interface HealthSourceState {
  available: boolean;
  /** The source read (a path), or why it is unavailable. */
  detail: string;
}

/** Health read before and after one sub-run (SPEC §5.3); a delta is null when its source is unavailable. */
export interface SubrunHealthReadings {
  /** New corrected memory errors (EDAC ce_count, all controllers). */
  ce_delta: number | null;
  /** New uncorrected memory errors (EDAC ue_count, all controllers). */
  ue_delta: number | null;
  /** Deltas per memory controller (`mc0`, …). */
  controllers: Record<string, { ce: number; ue: number }>;
  /** Hardware-error lines (machine check, MCE, Hardware Error, EDAC) the kernel logged during the sub-run. */
  kernel_lines: number | null;
  /** The first of those lines (capped; `kernel_lines` counts them all). */
  lines: string[];
  /** Anything that makes the readings less than exact (a flood, a counter reset). */
  notes: string[];
}

/** `health` of a sub-run summary and of its `health` event. */
export interface SubrunHealth extends SubrunHealthReadings {
  verdict: HealthVerdict;
  policy: CorrectedErrorsPolicy;
  reason: string | null;
  sources: { edac: boolean; kernel_log: boolean };
}

/** Line of `steps.ldjson` with a sub-run's health deltas, written once its rails are back at nominal. */
export interface HealthEvent extends SubrunHealth {
  ts: string;
  event: 'health';
  run_id: string;
  subrun_id: string;
}

/** `health` of the parent summary: the sources as found, and the totals over the sub-runs that ran. */
export interface RunHealth {
  policy: CorrectedErrorsPolicy;
  sources: { edac: HealthSourceState; kernel_log: HealthSourceState };
  ce_delta: number | null;
  ue_delta: number | null;
  kernel_lines: number | null;
  /** Sub-runs whose health verdict was marginal, and failed (a sub-run with a failed step keeps its own status). */
  marginal: number;
  failed: number;
}

export type RunEvent = StepStartEvent | StepEndEvent | MarginSetEvent | MarginRestoreEvent | HealthEvent | MarginNominalEvent | JournalClearedEvent;

/** One step's row in a sub-run summary. */
export interface StepRecord {
  index: number;
  step_id: string;
  adapter: string;
  status: StepStatus;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  started_at: string | null;
  ended_at: string | null;
  metrics: Record<string, number | string>;
  error: string | null;
  log_name: string;
  /** As in step_end: passed, but outside the marginal band of a metric limit (absent in older runs: false). */
  marginal?: boolean;
  marginal_reason?: string;
}

/** `runs/<RUN_ID>/<SUBRUN_ID>/summary.json`. */
export interface SubrunSummary {
  format: 'road_runner.subrun/1';
  id: string;
  run_id: string;
  index: number;
  status: RunStatus;
  seed: number;
  point: Record<string, number>;
  margins: Record<string, number>;
  adapter_margins: Record<string, Record<string, number>>;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number;
  counts: StatusCounts;
  steps: StepRecord[];
  /** Why the sub-run was aborted, crashed, or made marginal or failed by its health readings. */
  reason: string | null;
  /** Health deltas; absent in runs recorded before health was read, null when the sub-run never ran. */
  health?: SubrunHealth | null;
  /** Why it ran (SPEC §10): a search's `probe`, `confirm` or `retest`, or `grid`; absent in runs recorded before searches. */
  purpose?: 'probe' | 'confirm' | 'retest' | 'grid';
}

/** Host facts kept in the parent summary. */
export interface HostSummary {
  origin: string;
  hostname: string | undefined;
  arch: string | undefined;
  vendor: string | undefined;
  model: string | undefined;
  cores: number | undefined;
  kernel: string | undefined;
}

/** `runs/<RUN_ID>/summary.json`. */
export interface RunSummary {
  format: 'road_runner.run/1';
  run_id: string;
  status: RunStatus;
  unit: string;
  seed: number;
  flow: string;
  margin: string;
  started_at: string;
  ended_at: string | null;
  duration_ms: number;
  dry_run: boolean;
  exit_code: number | null;
  profile: string | null;
  profile_reasons: string[];
  host: HostSummary;
  bounds: EffectiveBounds;
  counts: StatusCounts;
  /** Sub-runs per status (absent in runs recorded before it was kept). */
  subrun_counts?: Record<RunStatus, number>;
  subruns: { id: string; index: number; status: RunStatus; point: Record<string, number>; margins: Record<string, number>; reason?: string | null }[];
  versions: Record<string, string>;
  inputs: { file: string; sha256: string; role: string }[];
  reason: string | null;
  /** Hardware health over the run (absent in runs recorded before it was read, or when none ran). */
  health?: RunHealth | null;
  /** Linux boot id when the run last started or resumed: a resume on another boot means the host went down. */
  boot_id?: string | null;
  /** Set when the run crashed and its journal was settled by recovery: how, when, by whom. */
  recovery?: RunRecovery;
  /** A run made by `rerun RUN_ID --only …`: the run whose points it repeats, and which outcomes were picked (as in plan.json). */
  rerun_of?: { run_id: string; only: string[] };
  /** A run made by `replay BUNDLE`: the bundle's file name, the run it was bundled from, and its payload's sha256 (as in plan.json). */
  replay_of?: ReplayLink;
}

/** `replay_of` of a replayed run's plan.json and summary.json. */
export interface ReplayLink {
  bundle: string;
  run_id: string | null;
  payload_sha256: string;
  only: string[] | null;
  accepted_differences: number;
}

/** All-zero counts. */
export function emptyCounts(): StatusCounts {
  return { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 };
}

/** A tally of sub-run statuses with every status at 0. */
export function emptySubrunCounts(): Record<RunStatus, number> {
  return Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
}
