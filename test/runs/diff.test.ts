import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { diffRuns, matchPoints } from '../../src/runs/diff.js';
import { addToTally, startTally, summarizeMetric } from '../../src/runs/metricTally.js';
import { describeUnchanged, renderDiff } from '../../src/runs/diffText.js';
import { MetricStore } from '../../src/runs/metricStore.js';
import { canonicalPointKey, formatPoint } from '../../src/runs/pointKey.js';
import { compareSteps } from '../../src/runs/stepMatch.js';
import { boundarySweep, makeRunId, makeWorkspace, removeWorkspace, sampleSteps, writeRun, type SubrunSpec } from './builders.js';

const A = makeRunId(new Date('2024-01-10T08:00:00Z'), 'aaaaaa');
const B = makeRunId(new Date('2024-01-11T08:00:00Z'), 'bbbbbb');
const vmin = (f: number) => (f === 2000 ? 800 : f === 2400 ? 850 : 900);
const vcores = [800, 850, 900, 950, 1000];
const freqs = [2000, 2400, 2800];

let root: string;
beforeEach(() => {
  root = makeWorkspace();
});
afterEach(() => removeWorkspace(root));

const at = (subs: SubrunSpec[], vcore: number, freq: number) => subs.find((s) => s.point.vcore_mv === vcore && s.point.freq_mhz === freq)!;

// B is A after a "firmware change": two points flipped, one failing point failing differently, two metrics moved.
function writeBoundaryPair(): void {
  writeRun(root, { runId: A, subruns: boundarySweep(vcores, freqs, vmin) });
  const b = boundarySweep(vcores, freqs, vmin);
  Object.assign(at(b, 850, 2800), { status: 'passed', steps: sampleSteps('passed') });
  Object.assign(at(b, 900, 2400), { status: 'failed', steps: sampleSteps('failed') });
  at(b, 800, 2400).steps = [{ step_id: 'smoke', status: 'passed', metrics: { gflops: 40 } }, { step_id: 'patterns', status: 'failed' }, { step_id: 'patterns', status: 'skipped' }, { step_id: 'memory', status: 'skipped' }];
  at(b, 1000, 2000).steps = sampleSteps('passed', 44);
  at(b, 1000, 2400).steps[2]!.metrics = { gflops: 42, errors: 2 };
  writeRun(root, { runId: B, subruns: b });
}

describe('diff', () => {
  it('lists flipped points, step status changes and metric deltas, and sums up the rest in one line', async () => {
    writeBoundaryPair();
    const d = await diffRuns(root, A, B);
    expect(d.same_sweep).toBe(true);
    expect(d.matched_points).toBe(15);
    expect(d.changed_points.map((c) => `${c.point}: ${c.a_status} → ${c.b_status}`)).toEqual([
      'vcore_mv 850, freq_mhz 2800: failed → passed',
      'vcore_mv 900, freq_mhz 2400: passed → failed',
    ]);
    expect(describeUnchanged(d)).toBe('13 points unchanged (11 passed, 2 failed)');
    expect(d.only_in_a).toEqual([]);
    expect(d.only_in_b).toEqual([]);
    const steps = d.step_changes.filter((s) => s.point === 'vcore_mv 800, freq_mhz 2400');
    expect(steps.map((s) => [s.step, s.a_status, s.b_status])).toEqual([['smoke', 'failed', 'passed'], ['patterns#1', 'skipped', 'failed']]);
    expect(d.step_changes).toHaveLength(10);
    expect(d.metric_deltas).toEqual([
      { point: 'vcore_mv 1000, freq_mhz 2000', step: 'smoke', metric: 'gflops', a: 40, b: 44, delta: 4, percent: 10 },
      { point: 'vcore_mv 1000, freq_mhz 2000', step: 'patterns#1', metric: 'gflops', a: 41, b: 45, delta: 4, percent: expect.closeTo(9.756, 2) },
      { point: 'vcore_mv 1000, freq_mhz 2000', step: 'patterns#2', metric: 'gflops', a: 42, b: 46, delta: 4, percent: expect.closeTo(9.524, 2) },
      { point: 'vcore_mv 1000, freq_mhz 2400', step: 'patterns#2', metric: 'errors', a: 0, b: 2, delta: 2, percent: null },
    ]);
    const gflops = d.metric_summary.find((m) => m.metric === 'gflops')!;
    expect(gflops.changed).toBe(3);
    expect(gflops.compared).toBe(11 * 3 + 2 * 1 + 2 * 1); // unchanged passed ×3, unchanged failed ×1, flipped points' smoke ×1
    expect(d.warnings).toEqual([]);
    const text = renderDiff(d).join('\n');
    expect(text).toContain('vcore_mv 850, freq_mhz 2800: failed → passed');
    expect(text).toContain('13 points unchanged (11 passed, 2 failed)');
    expect(text).toContain('vcore_mv 800, freq_mhz 2400 / patterns#1: skipped → failed');
    expect(text).toContain('vcore_mv 1000, freq_mhz 2000 / smoke gflops: 40 → 44 (+4, +10.0 %)');
    expect(text).toContain('errors: 0 → 2 (+2, n/a)');
  });

  it('compares different sweeps on the points they share and lists the rest', async () => {
    writeRun(root, { runId: A, subruns: boundarySweep(vcores, freqs, vmin) });
    // Declared freq first: matching must not depend on axis order.
    const other = boundarySweep([900, 950, 1000, 1050], [2800, 3200], (f) => (f === 2800 ? 950 : 1000))
      .map((s) => ({ ...s, point: { freq_mhz: s.point.freq_mhz!, vcore_mv: s.point.vcore_mv! } }));
    writeRun(root, { runId: B, margin: 'hot_corner', subruns: other });
    const d = await diffRuns(root, A, B);
    expect(d.same_sweep).toBe(false);
    expect(d.matched_points).toBe(3);
    expect(d.changed_points.map((c) => c.point)).toEqual(['vcore_mv 900, freq_mhz 2800']);
    expect(d.unchanged).toEqual({ count: 2, by_status: { passed: 2 } });
    expect(d.only_in_a).toHaveLength(12);
    expect(d.only_in_b.map((p) => p.point)).toEqual([
      'freq_mhz 3200, vcore_mv 900', 'freq_mhz 3200, vcore_mv 950', 'freq_mhz 3200, vcore_mv 1000',
      'freq_mhz 2800, vcore_mv 1050', 'freq_mhz 3200, vcore_mv 1050',
    ]);
    const text = renderDiff(d).join('\n');
    expect(text).toContain('different sweeps: compared on the 3 points they share');
    expect(text).toContain('only in A (12):');
    expect(text).toContain('only in B (5):');
  });

  it('tolerates a torn last line, a corrupt line and a missing steps.ldjson, saying so', async () => {
    writeBoundaryPair();
    appendFileSync(join(root, 'runs', B, 'steps.ldjson'), '{"ts":"2024-01-11T08:00:00Z","event":"step_en');
    const torn = await diffRuns(root, A, B);
    expect(torn.metric_deltas).toHaveLength(4);
    expect(torn.warnings).toEqual([`run ${B}: torn last line of steps.ldjson skipped`]);
    const stepsB = join(root, 'runs', B, 'steps.ldjson');
    const lines = readFileSync(stepsB, 'utf8').split('\n');
    writeFileSync(stepsB, [...lines.slice(0, 2), 'not json', ...lines.slice(2)].join('\n'));
    const corrupt = await diffRuns(root, A, B);
    expect(corrupt.changed_points).toHaveLength(2);
    expect(corrupt.metric_deltas).toEqual([]);
    expect(corrupt.warnings.join()).toMatch(/metrics compared only up to the damage: .*steps\.ldjson:3: corrupt event line/);
    rmSync(join(root, 'runs', A, 'steps.ldjson'));
    const missing = await diffRuns(root, A, B);
    expect(missing.changed_points).toHaveLength(2);
    expect(missing.metric_deltas).toEqual([]);
    expect(missing.warnings.join()).toMatch(/metrics not compared: no steps\.ldjson in /);
  });

  it('uses the sub-run summaries when the parent summary is damaged', async () => {
    writeBoundaryPair();
    rmSync(join(root, 'runs', B, 'summary.json'));
    const d = await diffRuns(root, A, B);
    expect(d.matched_points).toBe(15);
    expect(d.changed_points).toHaveLength(2);
    expect(d.warnings[0]).toMatch(/run summary not found/);
  });

  it('refuses unknown run ids with exit 2, naming the closest one', async () => {
    writeBoundaryPair();
    const typo = B.replace('bbbbbb', 'bbbbbc');
    const err = await diffRuns(root, A, typo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toContain(typo);
    expect((err as UsageError).hint).toContain(B);
  });
});

describe('diff building blocks', () => {
  it('keys points canonically and shows them in their own order', () => {
    expect(canonicalPointKey({ vcore_mv: 950, freq_mhz: 3000 })).toBe('freq_mhz=3000,vcore_mv=950');
    expect(canonicalPointKey({ freq_mhz: 3000, vcore_mv: 950 })).toBe('freq_mhz=3000,vcore_mv=950');
    expect(formatPoint({ vcore_mv: 950, freq_mhz: 3000 })).toBe('vcore_mv 950, freq_mhz 3000');
  });

  it('matches repeated points in order', () => {
    const p = (id: string, v: number, status: string) => ({ subrun_id: id, point: { vcore_mv: v }, status });
    const m = matchPoints([p('a1', 900, 'passed'), p('a2', 900, 'failed')], [p('b1', 900, 'passed'), p('b2', 900, 'passed'), p('b3', 950, 'passed')]);
    expect(m.pairs.map((x) => [x.a.subrun_id, x.b.subrun_id])).toEqual([['a1', 'b1'], ['a2', 'b2']]);
    expect(m.onlyB.map((x) => x.subrun_id)).toEqual(['b3']);
  });

  it('matches steps by id and occurrence, not by position', () => {
    const a = [{ index: 1, step_id: 'smoke', status: 'passed' }, { index: 2, step_id: 'p', status: 'passed' }, { index: 3, step_id: 'p', status: 'failed' }];
    const b = [{ index: 1, step_id: 'warmup', status: 'passed' }, { index: 2, step_id: 'smoke', status: 'passed' }, { index: 3, step_id: 'p', status: 'passed' }, { index: 4, step_id: 'p', status: 'passed' }];
    const r = compareSteps(a, b);
    expect(r.matched).toEqual([{ a_index: 1, b_index: 2, label: 'smoke' }, { a_index: 2, b_index: 3, label: 'p#1' }, { a_index: 3, b_index: 4, label: 'p#2' }]);
    expect(r.changes).toEqual([{ step: 'p#2', a_status: 'failed', b_status: 'passed' }, { step: 'warmup', a_status: null, b_status: 'passed' }]);
  });

  it('keeps numeric metrics only, and forgets them once taken', () => {
    const store = new MetricStore();
    store.put(7, { gflops: 1.5, mode: 'fast', bad: Number.NaN });
    store.put(8, { mode: 'slow' });
    expect(store.size).toBe(1);
    expect([...store.take(7)!]).toEqual([['gflops', 1.5]]);
    expect(store.take(7)).toBeNull();
    expect(store.size).toBe(0);
  });

  it('summarises a metric with unchanged steps counted as 0 % and changes from 0 left out of the percentages', () => {
    const t = startTally();
    for (const [a, b] of [[10, 11], [10, 8], [5, 5], [5, 5], [0, 3]] as const) addToTally(t, a, b);
    expect(summarizeMetric('g', t)).toEqual({ metric: 'g', compared: 5, changed: 3, mean_percent: -2.5, min_percent: -20, max_percent: expect.closeTo(10, 9) });
    expect(summarizeMetric('z', startTally())).toMatchObject({ compared: 0, mean_percent: null });
  });
});
