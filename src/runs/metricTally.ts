// How one metric moved between two runs, over every matched step that reported it in both:
// running totals, so a run of 100,000 steps needs no list of them.

/** How one metric moved over every matched step that reported it in both runs. */
export interface MetricSummary {
  metric: string;
  compared: number;
  changed: number;
  mean_percent: number | null;
  min_percent: number | null;
  max_percent: number | null;
}

/** Running totals of one metric over matched steps; relative changes are folded in as they come. */
export interface MetricTally {
  compared: number;
  changed: number;
  /** Sum, count, min and max of the relative changes in percent (steps where A is 0 have none). */
  percentSum: number;
  percentCount: number;
  percentMin: number;
  percentMax: number;
}

/** An empty tally. */
export function startTally(): MetricTally {
  return { compared: 0, changed: 0, percentSum: 0, percentCount: 0, percentMin: Infinity, percentMax: -Infinity };
}

/** Adds one matched step's values to a tally. */
export function addToTally(t: MetricTally, a: number, b: number): void {
  t.compared += 1;
  if (a !== b) t.changed += 1;
  if (a === 0 && b !== 0) return;
  const percent = a === b ? 0 : ((b - a) / Math.abs(a)) * 100;
  t.percentSum += percent;
  t.percentCount += 1;
  t.percentMin = Math.min(t.percentMin, percent);
  t.percentMax = Math.max(t.percentMax, percent);
}

/** One metric's tally as a summary: mean, min and max of the relative changes, unchanged steps counting as 0 %. */
export function summarizeMetric(metric: string, t: MetricTally): MetricSummary {
  const some = t.percentCount > 0;
  return {
    metric, compared: t.compared, changed: t.changed,
    mean_percent: some ? t.percentSum / t.percentCount : null,
    min_percent: some ? t.percentMin : null,
    max_percent: some ? t.percentMax : null,
  };
}
