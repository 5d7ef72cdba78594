import type { PlanSearch } from './searchPlan.js';
import type { Scalar, StepLimits } from '../config/schemas/index.js';
import type { EffectiveBounds } from '../safety/bounds.js';

/** One invocation of a diagnostic inside a sub-run, with its final argv. */
export interface PlannedStep {
  /** Position within the sub-run, from 0 (the `NN` of its log names). */
  index: number;
  step_id: string;
  adapter: string;
  params: Record<string, Scalar>;
  /** argv[0] is the executable (`diags/…` relative to the workspace, or a bare PATH name). */
  argv: string[];
  timeout_s: number;
  on_fail: 'stop' | 'continue';
  /** The flow step's metric limits (absent when it has none). */
  limits?: StepLimits;
  /** Number of this invocation among those the flow step expands to (sweep × repeat), from 0. */
  expansion: number;
  expansions: number;
  /** File name of its stdout/stderr logs: `NN_<step>[-k].log`. */
  log_name: string;
}

/** One margin point: a child sub-run of the parent run. */
export interface PlannedSubrun {
  id: string;
  /** Position in the plan from 0, matching the `sNN` suffix of the id. */
  index: number;
  seed: number;
  /** The swept values of this point before jitter, keyed by axis name (`rail` or `adapter:rail`). */
  point: Record<string, number>;
  /** Rail values held for the whole sub-run (the `default` target), after jitter. */
  margins: Record<string, number>;
  /** Rail values applied only while steps of one adapter run, after jitter. */
  adapter_margins: Record<string, Record<string, number>>;
  steps: PlannedStep[];
  /** Why a search probe runs (absent in a plan's own list: a grid sub-run, or a search's candidate point). */
  purpose?: 'probe' | 'confirm' | 'retest';
}

/** How a rail is driven: by an actuator adapter, or passively through RR_MARGIN_* only. */
export interface PlannedRail {
  rail: string;
  adapter: string | null;
  nominal: number | null;
  passive: boolean;
}

/** A swept rail and its values, in expansion order. */
export interface PlannedAxis {
  /** `rail`, or `adapter:rail` for an adapter-specific target: the key used in `point`. */
  name: string;
  target: string;
  rail: string;
  values: number[];
}

/** An input file the plan was built from. */
export interface PlanInput {
  file: string;
  sha256: string;
  role: 'flow' | 'margin' | 'adapter' | 'policy' | 'profile';
}

/** The whole sweep, expanded up front (SPEC §4, §9). Plain data: written as plan.json. */
export interface Plan {
  format: 'road_runner.plan/1';
  run_id: string;
  created_at: string;
  seed: number;
  seed_source: 'margin' | 'random' | 'option';
  flow: string;
  margin: string;
  combine: 'grid' | 'zip';
  profile: string | null;
  profile_reasons: string[];
  bounds: EffectiveBounds;
  rails: Record<string, PlannedRail>;
  axes: PlannedAxis[];
  inputs: PlanInput[];
  /** Present when the margin profile searches (SPEC §10): `subruns` are then the candidate points (`-pNN`), not the sub-runs that ran. */
  search?: PlanSearch;
  subruns: PlannedSubrun[];
  /** Set by `rerun RUN_ID --only …`: the run whose points this one repeats, and which outcomes were picked. */
  rerun_of?: { run_id: string; only: string[] };
  /** Set by `replay BUNDLE`: the bundle (file name, bundled run, payload sha256), `--only`, and how many plan differences were accepted. */
  replay_of?: { bundle: string; run_id: string | null; payload_sha256: string; only: string[] | null; accepted_differences: number };
}
