// road_runner's own fields of a bundle's bag-info.txt (besides BagIt's Bagging-Date and
// Payload-Oxum), and the payload files every bundle has. Plain data, no I/O.

/** bag-info.txt labels road_runner writes. */
export const BUNDLE_INFO_LABELS = {
  kind: 'Road-Runner-Bundle',
  runId: 'Road-Runner-Run-Id',
  unit: 'Road-Runner-Unit',
  flow: 'Road-Runner-Flow',
  margin: 'Road-Runner-Margin',
  version: 'Road-Runner-Version',
  agent: 'Bag-Software-Agent',
} as const;

/** What a bundle says about itself. `kind` is `run` (a run's records) or `inputs` (inputs and plan only). */
export interface BundleInfo {
  bag_name: string;
  kind: 'run' | 'inputs';
  run_id: string | null;
  unit: string | null;
  flow: string | null;
  margin: string | null;
  road_runner_version: string | null;
  bagging_date: string | null;
  payload_oxum: string;
}

/** data/executables.json: the hash of each adapter's executable the bundled plan used. */
export interface BundledExecutables {
  format: 'road_runner.executables/1';
  /** Where the hashes come from: the run's sysinfo.json (what ran), or the workspace when bundled. */
  source: 'sysinfo' | 'workspace';
  adapters: Record<string, { executable: string; sha256: string }>;
}

/** Payload file names (under data/). */
export const PAYLOAD_FILES = {
  plan: 'plan.json',
  executables: 'executables.json',
  inputs: 'inputs',
} as const;
