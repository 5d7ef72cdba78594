// Builders of run folders for the run-maintenance tests: plain objects following the record
// types (RunSummary, SubrunSummary, step events), written where the executor writes them.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../src/plan/types.js';
import type { RunStatus, RunSummary, StatusCounts, StepEndEvent, StepRecord, StepStartEvent, SubrunSummary } from '../../src/records/recordTypes.js';

export interface StepSpec {
  step_id: string;
  status: StepRecord['status'];
  metrics?: Record<string, number | string>;
}

export interface SubrunSpec {
  point: Record<string, number>;
  status: RunStatus;
  steps: StepSpec[];
}

export interface RunSpec {
  runId: string;
  startedAt?: string;
  status?: RunStatus;
  unit?: string;
  flow?: string;
  margin?: string;
  subruns: SubrunSpec[];
}

/** The run id road_runner would give a run started at `date`, with the given 6 hex digits. */
export function makeRunId(date: Date, hex: string): string {
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `rr-${stamp}-${hex}`;
}

/** A temp workspace with an empty runs/ folder. */
export function makeWorkspace(prefix = 'rr-runs-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, 'runs'));
  return root;
}

export function removeWorkspace(root: string | undefined): void {
  if (root) rmSync(root, { recursive: true, force: true });
}

/** Every point of a grid (first axis slowest). */
export function gridPoints(axes: { name: string; values: number[] }[]): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.name]: v })));
  return points;
}

function countSteps(steps: { status: StepRecord['status'] }[]): StatusCounts {
  const counts: StatusCounts = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
  for (const s of steps) counts[s.status] += 1;
  return counts;
}

/**
 * Writes runs/<id>/ in the earlier layout (the readers keep reading it): plan.json, summary.json,
 * one folder and summary per sub-run directly in the run folder, and one run-level steps.ldjson.
 */
export function writeRun(root: string, spec: RunSpec): string {
  const dir = join(root, 'runs', spec.runId);
  mkdirSync(dir, { recursive: true });
  const startedAt = spec.startedAt ?? '2024-01-31T12:00:00.000Z';
  const t0 = Date.parse(startedAt);
  const width = Math.max(2, String(spec.subruns.length).length);
  const events: string[] = [];
  const subruns: RunSummary['subruns'] = [];
  const all: StepRecord[] = [];
  for (const [i, sub] of spec.subruns.entries()) {
    const id = `${spec.runId}-s${String(i + 1).padStart(width, '0')}`;
    const steps: StepRecord[] = sub.steps.map((s, k) => {
      const at = new Date(t0 + (i * 100 + k) * 1000).toISOString();
      const ran = s.status !== 'skipped';
      return {
        index: k + 1, step_id: s.step_id, adapter: 'cpu-smoke', status: s.status,
        exit_code: ran ? (s.status === 'passed' ? 0 : 1) : null, signal: null, duration_ms: ran ? 10 : 0,
        started_at: ran ? at : null, ended_at: ran ? at : null, metrics: s.metrics ?? {},
        error: s.status === 'failed' ? 'exit code 1' : null, log_name: `${String(k + 1).padStart(2, '0')}_${s.step_id}.log`,
      };
    });
    for (const s of steps) {
      if (s.status === 'skipped') continue;
      const start: StepStartEvent = {
        ts: s.started_at!, event: 'step_start', run_id: spec.runId, subrun_id: id, index: s.index, step_id: s.step_id,
        adapter: s.adapter, argv: ['diags/cpu-smoke'], params: {}, margins: sub.point, seed: 1, log_name: s.log_name,
      };
      const end: StepEndEvent = {
        ts: s.ended_at!, event: 'step_end', run_id: spec.runId, subrun_id: id, index: s.index, step_id: s.step_id,
        adapter: s.adapter, status: s.status as StepEndEvent['status'], exit_code: s.exit_code, signal: null,
        started_at: s.started_at!, ended_at: s.ended_at!, duration_ms: s.duration_ms, metrics: s.metrics, error: s.error,
      };
      events.push(JSON.stringify(start), JSON.stringify(end));
    }
    const summary: SubrunSummary = {
      format: 'road_runner.subrun/1', id, run_id: spec.runId, index: i + 1, status: sub.status, seed: 1,
      point: sub.point, margins: sub.point, adapter_margins: {}, started_at: startedAt, ended_at: startedAt, duration_ms: 10,
      counts: countSteps(steps), steps, reason: null,
    };
    mkdirSync(join(dir, id));
    writeFileSync(join(dir, id, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    subruns.push({ id, index: i + 1, status: sub.status, point: sub.point, margins: sub.point });
    all.push(...steps);
  }
  writeFileSync(join(dir, 'steps.ldjson'), events.map((e) => `${e}\n`).join(''));
  const endedAt = new Date(t0 + 60_000).toISOString();
  const summary: RunSummary = {
    format: 'road_runner.run/1', run_id: spec.runId, status: spec.status ?? 'passed', unit: spec.unit ?? 'SN1', seed: 42,
    flow: spec.flow ?? 'sample_flow', margin: spec.margin ?? 'sample_margin', started_at: startedAt, ended_at: endedAt,
    duration_ms: 60_000, dry_run: false, exit_code: 0, profile: null, profile_reasons: [],
    host: { origin: 'test', hostname: 'lab1', arch: 'x86_64', vendor: undefined, model: undefined, cores: 4, kernel: undefined },
    bounds: { rails: {}, params: {} } as unknown as RunSummary['bounds'],
    counts: countSteps(all), subruns, versions: {}, inputs: [], reason: null,
  };
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const plan: Partial<Plan> = { format: 'road_runner.plan/1', run_id: spec.runId, created_at: startedAt, seed: 42, flow: summary.flow, margin: summary.margin };
  writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  return dir;
}

/** The flow of the sample sweep: a smoke step, a two-way pattern sweep, a memory step. */
export function sampleSteps(status: 'passed' | 'failed', gflops = 40): StepSpec[] {
  if (status === 'failed') {
    return [{ step_id: 'smoke', status: 'failed', metrics: { gflops } }, { step_id: 'patterns', status: 'skipped' }, { step_id: 'patterns', status: 'skipped' }, { step_id: 'memory', status: 'skipped' }];
  }
  return [
    { step_id: 'smoke', status: 'passed', metrics: { gflops } },
    { step_id: 'patterns', status: 'passed', metrics: { gflops: gflops + 1, errors: 0 } },
    { step_id: 'patterns', status: 'passed', metrics: { gflops: gflops + 2, errors: 0 } },
    { step_id: 'memory', status: 'passed', metrics: { bandwidth_mbs: 1000, mode: 'fast' } },
  ];
}

/** A sweep over vcore_mv × freq_mhz where a point passes when vcore ≥ vmin(freq). */
export function boundarySweep(vcores: number[], freqs: number[], vmin: (freq: number) => number): SubrunSpec[] {
  return gridPoints([{ name: 'vcore_mv', values: vcores }, { name: 'freq_mhz', values: freqs }]).map((point) => {
    const passed = point.vcore_mv! >= vmin(point.freq_mhz!);
    return { point, status: passed ? 'passed' : 'failed', steps: sampleSteps(passed ? 'passed' : 'failed') };
  });
}
