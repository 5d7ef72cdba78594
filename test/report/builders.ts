// Builders of synthetic run folders for the report and export tests: plain objects that
// follow the record types, written the way the executor writes them.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStatus, RunSummary, StepEndEvent, StepStartEvent, SubrunSummary, StatusCounts } from '../../src/records/recordTypes.js';
import type { Plan } from '../../src/plan/types.js';

export const RUN_ID = 'rr-20240131T120000Z-a1b2c3';

export interface StepSpec {
  status: StepEndEvent['status'];
  step_id?: string;
  adapter?: string;
  exit_code?: number | null;
  signal?: string | null;
  metrics?: Record<string, number | string>;
  params?: Record<string, string | number | boolean>;
  error?: string | null;
  stdout?: string;
  stderr?: string;
  /** Write a step_start but no step_end. */
  noEnd?: boolean;
}

export interface SubrunSpec {
  point: Record<string, number>;
  status: RunStatus;
  steps: StepSpec[];
  reason?: string;
}

export interface RunSpec {
  runId?: string;
  unit?: string;
  axes: { name: string; values: number[] }[];
  subruns: SubrunSpec[];
  sysinfo?: Record<string, unknown> | null;
  omit?: ('plan' | 'summary' | 'steps')[];
  /**
   * `subruns` (default): SPEC §5.3, sub-runs under subruns/ with their own steps.ldjson, numbered
   * from 00. `flat`: the earlier layout, sub-run folders in the run folder, one run-level
   * steps.ldjson, numbered from 01.
   */
  layout?: 'subruns' | 'flat';
}

export async function makeWorkspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rr-report-'));
  await mkdir(join(root, 'runs'));
  return root;
}

export async function removeWorkspace(root: string | undefined): Promise<void> {
  if (root) await rm(root, { recursive: true, force: true });
}

/** Every point of a grid over `axes` (first axis slowest), as a list of points. */
export function gridPoints(axes: { name: string; values: number[] }[]): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.name]: v })));
  return points;
}

function countSteps(steps: StepSpec[]): StatusCounts {
  const counts: StatusCounts = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
  for (const s of steps) counts[s.noEnd ? 'interrupted' : s.status] += 1;
  return counts;
}

/** Writes runs/<id>/ with plan.json, summary.json, sysinfo.json, event logs, sub-run summaries and logs. */
export async function writeRun(root: string, spec: RunSpec): Promise<{ runId: string; dir: string; subrunIds: string[]; subrunDirs: string[] }> {
  const runId = spec.runId ?? RUN_ID;
  const dir = join(root, 'runs', runId);
  await mkdir(dir, { recursive: true });
  const flat = spec.layout === 'flat';
  const first = flat ? 1 : 0;
  const width = Math.max(2, String(spec.subruns.length - 1 + first).length);
  const ids = spec.subruns.map((_, i) => `${runId}-s${String(i + first).padStart(width, '0')}`);
  const subrunDirs = ids.map((id) => (flat ? join(dir, id) : join(dir, 'subruns', id)));
  const omit = new Set(spec.omit ?? []);
  let lines: string[] = [];
  const total = emptyTotals();
  let clock = Date.parse('2024-01-31T12:00:00Z');
  const at = () => new Date((clock += 1000)).toISOString();
  for (const [i, sub] of spec.subruns.entries()) {
    const id = ids[i]!;
    const margins = Object.fromEntries(Object.entries(sub.point).map(([k, v]) => [k.split(':').pop()!, v + 1]));
    const sdir = subrunDirs[i]!;
    await mkdir(join(sdir, 'stdout'), { recursive: true });
    await mkdir(join(sdir, 'stderr'), { recursive: true });
    for (const [j, step] of sub.steps.entries()) {
      const index = j + first;
      const stepId = step.step_id ?? `step${index}`;
      const adapter = step.adapter ?? 'cpu-smoke';
      const logName = `${String(index).padStart(2, '0')}_${stepId}.log`;
      const start: StepStartEvent = {
        ts: at(), event: 'step_start', run_id: runId, subrun_id: id, index, step_id: stepId, adapter,
        argv: ['diags/cpu-smoke', '--iterations', '10'], params: step.params ?? { iterations: 10 }, margins, seed: 7, log_name: logName,
      };
      lines.push(JSON.stringify(start));
      await writeFile(join(sdir, 'stdout', logName), step.stdout ?? `ok ${stepId}\n`);
      await writeFile(join(sdir, 'stderr', logName), step.stderr ?? '');
      if (step.noEnd) continue;
      const started = start.ts;
      const ended = at();
      const end: StepEndEvent = {
        ts: ended, event: 'step_end', run_id: runId, subrun_id: id, index, step_id: stepId, adapter, status: step.status,
        exit_code: step.exit_code === undefined ? (step.status === 'passed' ? 0 : step.status === 'failed' ? 1 : null) : step.exit_code,
        signal: step.signal ?? (step.status === 'timeout' ? 'SIGKILL' : null), started_at: started, ended_at: ended, duration_ms: 1000,
        metrics: step.metrics ?? {}, error: step.error ?? (step.status === 'timeout' ? 'timed out after 1 s' : null),
      };
      lines.push(JSON.stringify(end));
    }
    const counts = countSteps(sub.steps);
    for (const k of Object.keys(counts) as (keyof StatusCounts)[]) total[k] += counts[k];
    const subSummary: SubrunSummary = {
      format: 'road_runner.subrun/1', id, run_id: runId, index: i + first, status: sub.status, seed: 7, point: sub.point, margins,
      adapter_margins: {}, started_at: null, ended_at: null, duration_ms: 0, counts, steps: [], reason: sub.reason ?? null,
    };
    await writeFile(join(sdir, 'summary.json'), JSON.stringify(subSummary, null, 2));
    if (!flat && !omit.has('steps')) {
      await writeFile(join(sdir, 'steps.ldjson'), lines.map((l) => `${l}\n`).join(''));
      lines = [];
    }
  }
  if (flat && !omit.has('steps')) await writeFile(join(dir, 'steps.ldjson'), lines.map((l) => `${l}\n`).join(''));
  if (!omit.has('plan')) await writeFile(join(dir, 'plan.json'), JSON.stringify(makePlan(runId, spec, ids, first), null, 2));
  if (!omit.has('summary')) await writeFile(join(dir, 'summary.json'), JSON.stringify(makeSummary(runId, spec, ids, total, first), null, 2));
  if (spec.sysinfo !== null) await writeFile(join(dir, 'sysinfo.json'), JSON.stringify(spec.sysinfo ?? defaultSysinfo()));
  return { runId, dir, subrunIds: ids, subrunDirs };
}

function emptyTotals(): StatusCounts {
  return { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
}

function makePlan(runId: string, spec: RunSpec, ids: string[], first: number): Plan {
  return {
    format: 'road_runner.plan/1', run_id: runId, created_at: '2024-01-31T12:00:00.000Z', seed: 42, seed_source: 'margin',
    flow: 'sample_flow', margin: 'sample_margin', combine: 'grid', profile: 'lab-x', profile_reasons: ['selected "lab-x"'],
    bounds: { rails: { vcore_mv: { min: 700, max: 1100, min_source: 'policy/safety.yaml', max_source: 'policy/safety.yaml' } }, params: {}, limits: { max_subruns: 10000, max_subruns_source: 'road_runner default' }, require_bounds_for_all_rails: true },
    rails: {},
    axes: spec.axes.map((a) => ({ name: a.name, target: a.name.includes(':') ? a.name.split(':')[0]! : 'default', rail: a.name.split(':').pop()!, values: a.values })),
    inputs: [{ file: 'flows/sample_flow.yaml', sha256: 'ab'.repeat(32), role: 'flow' }],
    subruns: spec.subruns.map((s, i) => ({
      id: ids[i]!, index: i + first, seed: 7, point: s.point, margins: s.point, adapter_margins: {},
      steps: s.steps.map((st, j) => {
        const stepId = st.step_id ?? `step${j + first}`;
        return { index: j + first, step_id: stepId, adapter: 'cpu-smoke', params: {}, argv: ['x'], timeout_s: 10, on_fail: 'continue' as const, expansion: 0, expansions: 1, log_name: `${String(j + first).padStart(2, '0')}_${stepId}.log` };
      }),
    })),
  };
}

function makeSummary(runId: string, spec: RunSpec, ids: string[], counts: StatusCounts, first: number): RunSummary {
  const failed = spec.subruns.some((s) => s.status !== 'passed');
  return {
    format: 'road_runner.run/1', run_id: runId, status: failed ? 'failed' : 'passed', unit: spec.unit ?? 'SN123', seed: 42,
    flow: 'sample_flow', margin: 'sample_margin', started_at: '2024-01-31T12:00:00.000Z', ended_at: '2024-01-31T12:10:00.000Z',
    duration_ms: 600000, dry_run: false, exit_code: failed ? 1 : 0, profile: 'lab-x', profile_reasons: ['selected "lab-x"'],
    host: { origin: 'this host', hostname: 'bench-7', arch: 'x86_64', vendor: 'GenuineIntel', model: 'Xeon Test', cores: 8, kernel: '6.1.0' },
    bounds: { rails: { vcore_mv: { min: 700, max: 1100, min_source: 'policy/safety.yaml', max_source: 'policy/safety.yaml' } }, params: {}, limits: { max_subruns: 10000, max_subruns_source: 'road_runner default' }, require_bounds_for_all_rails: true },
    counts,
    subruns: spec.subruns.map((s, i) => ({ id: ids[i]!, index: i + first, status: s.status, point: s.point, margins: s.point })),
    versions: { road_runner: '0.1.0-test', node: 'v20.0.0' },
    inputs: [{ file: 'flows/sample_flow.yaml', sha256: 'ab'.repeat(32), role: 'flow' }],
    reason: null,
  };
}

export function defaultSysinfo(): Record<string, unknown> {
  return {
    collected_at: '2024-01-31T11:59:59.000Z', duration_ms: 120, timeout_ms: 5000, node: 'v20', systeminformation: '5',
    raw: { lscpu: 'Architecture: x86_64\nModel name: Xeon Test', uname: 'Linux bench-7 6.1.0 #1 SMP x86_64 GNU/Linux' },
    cpu: { manufacturer: 'Intel', brand: 'Xeon Test', cores: 8, physicalCores: 4, speed: 2.4 },
    mem: { total: 17179869184, available: 8589934592, swaptotal: 0 },
    memLayout: [{ size: 8589934592, type: 'DDR4', clockSpeed: 3200, manufacturer: 'Acme', partNum: 'X1' }],
    osInfo: { distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64', hostname: 'bench-7' },
    system: { error: 'timed out after 5000 ms' },
    baseboard: { manufacturer: 'Acme', model: 'B1' },
    bios: { vendor: 'Acme', version: '1.2', releaseDate: '2023-01-01' },
    cpuTemperature: { main: null, max: null, cores: [] },
    diskLayout: [{ device: '/dev/sda', name: 'Disk', size: 1e12, type: 'SSD' }],
    extra: {},
  };
}
