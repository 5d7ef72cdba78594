// `diff RUN_A RUN_B`: the same sweep run twice (before/after a firmware change, say).
// Sub-runs are matched by margin point, steps within a matched pair by step id and
// occurrence, metrics by name. steps.ldjson is streamed, A then B, keeping only A's numeric
// metrics of matched steps; each is dropped as soon as B's counterpart goes by.

import { basename, join, relative } from 'node:path';
import { RrError } from '../errors.js';
import { CorruptEventLogError } from '../records/eventReader.js';
import { hasEventLogs, readRunEvents, runFolderLayout } from '../records/runFolderLayout.js';
import { RECORD_FILES } from '../records/layout.js';
import { MetricStore, packStepKey, readNumericMetrics } from './metricStore.js';
import { addToTally, startTally, summarizeMetric, type MetricSummary, type MetricTally } from './metricTally.js';
import { formatPoint, keyPoints } from './pointKey.js';
import { readSubrunSummary } from './recordRead.js';
import { loadRunPoints, type PointOutcome, type RunSide } from './runPoints.js';
import { compareSteps, type StepChange, type StepLike } from './stepMatch.js';
import { diffBoundaries, type BoundaryDiff } from './boundaryDiff.js';

/** A point whose sub-run outcome differs between the runs. */
export interface PointChange {
  key: string;
  point: string;
  a_subrun: string;
  b_subrun: string;
  a_status: string;
  b_status: string;
}

/** A point present in one run only. */
export interface LonePoint {
  key: string;
  point: string;
  subrun: string;
  status: string;
}

/** A step of a matched point whose status differs (null: absent from that run). */
export type StepStatusChange = StepChange & { point: string; a_subrun: string; b_subrun: string };

/** A numeric metric of a matched step whose value changed. */
export interface MetricDelta {
  point: string;
  step: string;
  metric: string;
  a: number;
  b: number;
  delta: number;
  /** Change relative to A in percent; null when A is 0. */
  percent: number | null;
}

/** Everything `diff` reports. Plain data (printed as-is with --json). */
export interface RunDiff {
  a: RunSide;
  b: RunSide;
  same_sweep: boolean;
  matched_points: number;
  changed_points: PointChange[];
  unchanged: { count: number; by_status: Record<string, number> };
  only_in_a: LonePoint[];
  only_in_b: LonePoint[];
  step_changes: StepStatusChange[];
  metric_deltas: MetricDelta[];
  metric_summary: MetricSummary[];
  /** How far each column's boundary moved, when both runs have boundary.json; null otherwise. */
  boundary: BoundaryDiff | null;
  warnings: string[];
}

interface MatchedPair {
  key: string;
  point: string;
  a: PointOutcome;
  b: PointOutcome;
  /** B's step index → A's step index, for matched steps. */
  bToA: Map<number, number>;
  /** A's step index → the step's label, for matched steps. */
  labels: Map<number, string>;
}

/** Matches the points of two runs by canonical key: pairs in A's order, and the points each run has alone. */
export function matchPoints(a: readonly PointOutcome[], b: readonly PointOutcome[]): {
  pairs: { key: string; a: PointOutcome; b: PointOutcome }[];
  onlyA: (PointOutcome & { key: string })[];
  onlyB: (PointOutcome & { key: string })[];
} {
  const keyedB = new Map(keyPoints(b).map((p) => [p.key, p]));
  const pairs: { key: string; a: PointOutcome; b: PointOutcome }[] = [];
  const onlyA: (PointOutcome & { key: string })[] = [];
  for (const pa of keyPoints(a)) {
    const pb = keyedB.get(pa.key);
    if (pb === undefined) {
      onlyA.push(pa);
      continue;
    }
    keyedB.delete(pa.key);
    pairs.push({ key: pa.key, a: pa, b: pb });
  }
  return { pairs, onlyA, onlyB: [...keyedB.values()] };
}

/** Compares runs `idA` and `idB` of the workspace at `root`. UsageError (exit 2) for an unknown id. */
export async function diffRuns(root: string, idA: string, idB: string): Promise<RunDiff> {
  const runA = loadRunPoints(root, idA);
  const runB = loadRunPoints(root, idB);
  const warnings = [...runA.warnings, ...runB.warnings];
  const matched = matchPoints(runA.points, runB.points);
  const diff: RunDiff = {
    a: runA.side,
    b: runB.side,
    same_sweep: runA.side.flow === runB.side.flow && runA.side.margin === runB.side.margin,
    matched_points: matched.pairs.length,
    changed_points: [],
    unchanged: { count: 0, by_status: {} },
    only_in_a: matched.onlyA.map(toLonePoint),
    only_in_b: matched.onlyB.map(toLonePoint),
    step_changes: [],
    metric_deltas: [],
    metric_summary: [],
    boundary: null,
    warnings,
  };
  diff.boundary = diffBoundaries(runA.side, runB.side, warnings);
  const labels = new Map<string, string>(); // one string per distinct step label, however many sub-runs
  const intern = (s: string) => labels.get(s) ?? (labels.set(s, s), s);
  const pairs = matched.pairs.map((p) => comparePair(runA.side.dir, runB.side.dir, p, diff, intern));
  await compareMetrics(runA.side, runB.side, pairs, diff);
  return diff;
}

// Reads both sub-run summaries of a pair once: the outcome, step status changes, and which steps match.
function comparePair(dirA: string, dirB: string, p: { key: string; a: PointOutcome; b: PointOutcome }, diff: RunDiff, intern: (s: string) => string): MatchedPair {
  const pair: MatchedPair = { key: p.key, point: formatPoint(p.a.point), a: { ...p.a }, b: { ...p.b }, bToA: new Map(), labels: new Map() };
  const stepsA = readSubrunSteps(dirA, pair.a, diff.warnings);
  const stepsB = readSubrunSteps(dirB, pair.b, diff.warnings);
  if (pair.a.status !== pair.b.status) {
    diff.changed_points.push({ key: pair.key, point: pair.point, a_subrun: pair.a.subrun_id, b_subrun: pair.b.subrun_id, a_status: pair.a.status, b_status: pair.b.status });
  } else {
    diff.unchanged.count += 1;
    diff.unchanged.by_status[pair.a.status] = (diff.unchanged.by_status[pair.a.status] ?? 0) + 1;
  }
  if (stepsA === null || stepsB === null) return pair;
  const steps = compareSteps(stepsA, stepsB);
  for (const change of steps.changes) diff.step_changes.push({ point: pair.point, ...change, a_subrun: pair.a.subrun_id, b_subrun: pair.b.subrun_id });
  for (const m of steps.matched) {
    pair.bToA.set(m.b_index, m.a_index);
    pair.labels.set(m.a_index, intern(m.label));
  }
  return pair;
}

// The steps of a sub-run from its summary (whose status also replaces the parent's record of it).
function readSubrunSteps(dir: string, outcome: PointOutcome, warnings: string[]): StepLike[] | null {
  const read = readSubrunSummary(join(runFolderLayout(dir, basename(dir)).subrunDir(outcome.subrun_id), RECORD_FILES.summary));
  if (!read.ok) {
    warnings.push(`sub-run ${outcome.subrun_id}: steps not compared: ${read.problem}`);
    return null;
  }
  outcome.status = read.value.status;
  // A marginal pass compares as its own status, so passed → marginal shows as a step change.
  return read.value.steps.map((s) => ({ index: s.index, step_id: s.step_id, status: s.marginal === true && s.status === 'passed' ? 'passed (marginal)' : s.status }));
}

async function compareMetrics(a: RunSide, b: RunSide, pairs: MatchedPair[], diff: RunDiff): Promise<void> {
  const pairOfA = new Map(pairs.map((p, i) => [p.a.subrun_id, i]));
  const pairOfB = new Map(pairs.map((p, i) => [p.b.subrun_id, i]));
  const store = new MetricStore();
  const readA = await streamStepEnds(a, diff.warnings, (event) => {
    const p = pairOfA.get(event.subrun_id);
    if (p !== undefined && pairs[p]!.labels.has(event.index)) store.put(packStepKey(p, event.index), event.metrics);
  });
  if (!readA) return;
  const tally = new Map<string, MetricTally>();
  const deltas: { order: number; delta: MetricDelta }[] = [];
  await streamStepEnds(b, diff.warnings, (event) => {
    const p = pairOfB.get(event.subrun_id);
    const aIndex = p === undefined ? undefined : pairs[p]!.bToA.get(event.index);
    if (p === undefined || aIndex === undefined) return;
    const before = store.take(packStepKey(p, aIndex));
    if (before === null) return;
    const pair = pairs[p]!;
    for (const [metric, bValue] of readNumericMetrics(event.metrics)) {
      const aValue = before.get(metric);
      if (aValue === undefined) continue;
      const t = tally.get(metric) ?? startTally();
      tally.set(metric, t);
      addToTally(t, aValue, bValue);
      if (aValue === bValue) continue;
      const percent = aValue === 0 ? null : ((bValue - aValue) / Math.abs(aValue)) * 100;
      const delta = { point: pair.point, step: pair.labels.get(aIndex) ?? String(aIndex), metric, a: aValue, b: bValue, delta: bValue - aValue, percent };
      deltas.push({ order: packStepKey(p, aIndex), delta });
    }
  });
  diff.metric_deltas = deltas.sort((x, y) => x.order - y.order).map((d) => d.delta);
  diff.metric_summary = [...tally.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([metric, t]) => summarizeMetric(metric, t));
}

interface StepEndLite {
  subrun_id: string;
  index: number;
  metrics: unknown;
}

// Calls `onStepEnd` for each step_end of a run's steps.ldjson; false when none could be read.
async function streamStepEnds(side: RunSide, warnings: string[], onStepEnd: (e: StepEndLite) => void): Promise<boolean> {
  const layout = runFolderLayout(side.dir, side.run_id);
  if (!hasEventLogs(layout)) {
    warnings.push(`run ${side.run_id}: metrics not compared: no ${RECORD_FILES.steps} in ${side.dir}`);
    return false;
  }
  try {
    const events = readRunEvents(layout, { onTornLine: (file) => warnings.push(`run ${side.run_id}: torn last line of ${relative(side.dir, file)} skipped`) });
    for await (const e of events) {
      if (e.event !== 'step_end' || typeof e.subrun_id !== 'string' || typeof e.index !== 'number') continue;
      onStepEnd({ subrun_id: e.subrun_id, index: e.index, metrics: e.metrics });
    }
    return true;
  } catch (err) {
    if (err instanceof CorruptEventLogError) {
      warnings.push(`run ${side.run_id}: metrics compared only up to the damage: ${err.message}`);
      return true;
    }
    if (!(err instanceof RrError)) throw err;
    warnings.push(`run ${side.run_id}: metrics not compared: ${err.message}`);
    return false;
  }
}

function toLonePoint(p: PointOutcome & { key: string }): LonePoint {
  return { key: p.key, point: formatPoint(p.point), subrun: p.subrun_id, status: p.status };
}
