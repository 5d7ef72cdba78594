// `rerun RUN_ID --only …` (SPEC §11): which margin points of an earlier run to run again.
// Pure: the old run's sub-run outcomes and flaky points in, the chosen planned sub-runs out,
// renumbered for the new run but keeping their points, margins, steps and original seeds.

import type { PlannedSubrun, Plan } from './types.js';

/** What `--only` can pick. */
export const RERUN_SELECTORS = ['failed', 'marginal', 'flaky', 'crashed'] as const;
export type RerunSelector = (typeof RERUN_SELECTORS)[number];

/** `rerun_of` of a rerun's plan.json and summary.json: the run it repeats points of, and why. */
export interface RerunLink {
  run_id: string;
  only: RerunSelector[];
}

/** One sub-run of the old run as recorded: its point, status and seed. */
export interface RecordedOutcome {
  subrun_id: string;
  point: Record<string, number>;
  status: string;
  seed: number | null;
}

/** A point chosen for the rerun, and which selectors chose it. */
export interface RerunPick {
  point: Record<string, number>;
  /** The old sub-run(s) at this point that were picked. */
  from: string[];
  because: RerunSelector[];
}

/** The chosen sub-runs, and what could not be matched. */
export interface RerunSelection {
  subruns: PlannedSubrun[];
  picks: RerunPick[];
  /** Points picked from the records that the rebuilt plan does not have (worded). */
  unmatched: string[];
}

/** A point's key independent of axis order: `freq_mhz=2400,vcore_mv=850`. */
export function pointKeyOf(point: Record<string, number>): string {
  return Object.keys(point).sort().map((k) => `${k}=${point[k]}`).join(',');
}

const STATUS_OF: Record<Exclude<RerunSelector, 'flaky'>, string> = { failed: 'failed', marginal: 'marginal', crashed: 'crashed' };

/**
 * Picks the sub-runs of `plan` (rebuilt from the old run's inputs) whose point had a selected
 * outcome in the old run: its sub-run status (`failed`, `marginal`, `crashed`), or a `flaky`
 * verdict in its boundary.json. Each point runs once, in the plan's order, with the seed its
 * old sub-run ran with (the first one picked when a search probed it several times). The new
 * ids are `<newRunId>-sNN`.
 */
export function selectRerunSubruns(plan: Plan, newRunId: string, only: readonly RerunSelector[], outcomes: readonly RecordedOutcome[],
  flakyPoints: readonly Record<string, number>[]): RerunSelection {
  const picks = new Map<string, RerunPick & { seed: number | null }>();
  const pick = (point: Record<string, number>, because: RerunSelector, from: string | null, seed: number | null) => {
    const key = pointKeyOf(point);
    const p = picks.get(key) ?? { point, from: [], because: [], seed };
    if (from !== null && !p.from.includes(from)) p.from.push(from);
    if (!p.because.includes(because)) p.because.push(because);
    if (p.seed === null) p.seed = seed;
    picks.set(key, p);
  };
  for (const sel of only) {
    if (sel === 'flaky') {
      for (const point of flakyPoints) pick(point, 'flaky', null, null);
      continue;
    }
    for (const o of outcomes) if (o.status === STATUS_OF[sel]) pick(o.point, sel, o.subrun_id, o.seed);
  }
  // A flaky point's seed is that of its first recorded sub-run.
  for (const p of picks.values()) {
    if (p.seed !== null) continue;
    const first = outcomes.find((o) => pointKeyOf(o.point) === pointKeyOf(p.point));
    if (first) {
      p.seed = first.seed;
      p.from.push(first.subrun_id);
    }
  }
  const seeds = new Map([...picks].map(([key, p]) => [key, p.seed]));
  const subruns = keepPoints(plan.subruns, newRunId, seeds);
  const planned = new Set(subruns.map((s) => pointKeyOf(s.point)));
  const unmatched = [...picks.entries()].filter(([key]) => !planned.has(key)).map(([key, p]) => `${key} (${p.because.join(', ')}): not a point of the plan rebuilt from the inputs`);
  const ordered = subruns.map((s) => picks.get(pointKeyOf(s.point))!).map(({ seed: _seed, ...rest }) => rest);
  return { subruns, picks: ordered, unmatched };
}

/**
 * The sub-runs whose point key is in `seeds`, in their order, renumbered `<runId>-sNN`, each
 * with the seed given for its point (its own when that is null). Also how `rerun-last`
 * repeats a rerun: the same points as the rerun it repeats.
 */
export function keepPoints(subruns: readonly PlannedSubrun[], runId: string, seeds: ReadonlyMap<string, number | null>): PlannedSubrun[] {
  const chosen = subruns.filter((s) => seeds.has(pointKeyOf(s.point)));
  const width = Math.max(2, String(Math.max(0, chosen.length - 1)).length);
  return chosen.map((s, i): PlannedSubrun => ({
    ...s,
    id: `${runId}-s${String(i).padStart(width, '0')}`,
    index: i,
    seed: seeds.get(pointKeyOf(s.point)) ?? s.seed,
  }));
}
