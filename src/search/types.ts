// The plain data of an adaptive margin search (SPEC §10): what the margin profile asks for,
// the lattice each column is searched along, the probes run so far, and the boundary found.
// The engine (engine.ts) is a pure function of these records: the next probe follows from the
// history alone, so a resumed run continues exactly where it stopped.

/** The `search` block of a margin profile. */
export interface SearchSpec {
  /** The searched rail; its sweep in the `default` target is the lattice. */
  rail: string;
  /** down: lowest passing value (Vmin) · up: highest passing value (Fmax). */
  direction: 'down' | 'up';
  strategy: 'edge' | 'binary' | 'linear' | 'coarse-fine';
  /** Stop when the first fail and the last pass are this close (rail units). */
  resolution: number;
  /** coarse-fine: step (rail units) from the safe end before bisecting. */
  coarse_step?: number;
  /** A point passes only after this many passes in a row (default 1). */
  confirm: number;
  /** A failing point is run this many more times: "failed k of n" (default 0). */
  retest: number;
  /** Reported boundary = confirmed boundary moved this far to the safe side (default 0). */
  guard_band: number;
  /**
   * `confirmed` (the default): every point the strategy visits is confirmed (or retested) before
   * the next. `single`: the strategy's probes run once each and only find the edge; confirmation
   * then walks to it from the passing side (see columnSearch.ts).
   */
  explore?: 'confirmed' | 'single';
  /**
   * explore: single: a point the confirming walk reaches by stepping past a confirmed pass first
   * gets this many single runs (purpose `probe`, default 0): a fail decides it, passes do not count.
   */
  screen?: number;
  /** edge, explore: single: the fewest earlier boundaries the start's trend line is fitted through (default 2). */
  trend_min?: number;
}

/** One column: a combination of the other swept axes, searched along the lattice. */
export interface SearchColumn {
  /** Stable key of the column, e.g. `freq_mhz=2000`; `''` when the searched rail is the only axis. */
  key: string;
  /** The values of the other axes (axis name → value). */
  axes: Record<string, number>;
  /** The searched rail's values, ordered from the safe end (nominal side) to the far end. */
  lattice: number[];
}

/** Why a probe was run. `grid` for the sub-runs of a full grid read as probes. */
export type ProbePurpose = 'probe' | 'confirm' | 'retest' | 'grid';

/** What a probe's sub-run said about its point: a crash of the host counts as a fail. */
export type ProbeOutcome = 'pass' | 'fail';

/** A probe that ran: a sub-run, in execution order. */
export interface ProbeRecord {
  column: string;
  value: number;
  purpose: ProbePurpose;
  outcome: ProbeOutcome;
  /** The sub-run that ran it (for links), when known. */
  subrun_id?: string;
}

/** The next probe the engine asks for. */
export interface ProbeRequest {
  column: string;
  value: number;
  purpose: Exclude<ProbePurpose, 'grid'>;
  /** How many times this point of this column has been run before (0 for the first): part of the probe's seed. */
  attempt: number;
}

/** A point's verdict: `flaky` when it both passed and failed ("failed k of n"). */
export type PointVerdict = 'pass' | 'fail' | 'flaky';

/** One column of boundary.json (SPEC §10). Values in rail units; null where the column never passed. */
export interface BoundaryColumn {
  axes: Record<string, number>;
  raw: number | null;
  confirmed: number | null;
  guard_banded: number | null;
  last_pass: number | null;
  first_fail: number | null;
  probes: number;
  points: { value: number; verdict: PointVerdict; passes: number; fails: number; subruns?: string[] }[];
  flaky: number[];
  holes: number[];
}

/** `runs/<RUN_ID>/boundary.json`, for search runs and (read off the grid) grid runs. */
export interface BoundaryFile {
  format: 'road_runner.boundary/1';
  run_id: string;
  rail: string;
  direction: 'down' | 'up';
  /** `grid` for a run without a search block. */
  strategy: SearchSpec['strategy'] | 'grid';
  resolution: number;
  guard_band: number;
  columns: BoundaryColumn[];
}
