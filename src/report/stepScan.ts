// One streaming pass over steps.ldjson that keeps only what a report shows: counts over all
// steps, the worst step of each sub-run, the first rows of the steps table and the first
// failures. Memory grows with the number of sub-runs, never with the number of steps.

import { hasEventLogs, readRunEventBatches, type RunFolderLayout } from '../records/runFolderLayout.js';
import { RrError } from '../errors.js';
import { isFailureStatus, pickWorseStatus, type EndedStepStatus } from './outcome.js';

/** One executed step as the report shows it. */
export interface StepRow {
  subrun_id: string;
  index: number;
  step_id: string;
  adapter: string;
  status: EndedStepStatus;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  metrics: Record<string, number | string>;
  error: string | null;
  log_name: string | null;
  /** Passed, but a metric lay outside its marginal band (false in runs recorded before limits). */
  marginal: boolean;
  marginal_reason: string | null;
}

/** What the steps of one sub-run came to. */
export interface SubrunSteps {
  worst: EndedStepStatus | null;
  steps: number;
  duration_ms: number;
}

/** Everything the report needs from steps.ldjson. */
export interface StepScan {
  found: boolean;
  counts: Record<EndedStepStatus, number>;
  /** Steps that passed marginally (also in counts.passed). */
  marginal: number;
  total: number;
  rows: StepRow[];
  failures: StepRow[];
  failuresTotal: number;
  bySubrun: Map<string, SubrunSteps>;
  marginIssues: string[];
  marginIssuesTotal: number;
  metricNames: string[];
  /** Torn last line, corrupt line: already worded. */
  warnings: string[];
  problems: string[];
}

/** Limits of a scan. */
export interface ScanLimits {
  rows: number;
  failures: number;
  marginIssues: number;
}

/** Streams a run's event logs (every sub-run's steps.ldjson, in order) and aggregates them within the limits. */
export async function scanSteps(layout: RunFolderLayout, limits: ScanLimits): Promise<StepScan> {
  const scan: StepScan = {
    found: hasEventLogs(layout), counts: { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0 }, marginal: 0, total: 0,
    rows: [], failures: [], failuresTotal: 0, bySubrun: new Map(), marginIssues: [], marginIssuesTotal: 0,
    metricNames: [], warnings: [], problems: [],
  };
  if (!scan.found) return scan;
  const metricNames = new Set<string>();
  const open = new Map<string, { log_name: string | null; step_id: string; adapter: string }>();
  try {
    const onTornLine = (path: string, text: string) => scan.warnings.push(`${path}: torn last line skipped (${text.length} bytes; the writer was killed mid-line)`);
    for await (const batch of readRunEventBatches(layout, { onTornLine })) {
      for (const e of batch) {
        const subrun = String(e.subrun_id ?? '');
        if (e.event === 'step_start') {
          open.set(`${subrun}#${String(e.index)}`, { log_name: asString(e.log_name), step_id: String(e.step_id ?? ''), adapter: String(e.adapter ?? '') });
        } else if (e.event === 'step_end') {
          const key = `${subrun}#${String(e.index)}`;
          const start = open.get(key);
          open.delete(key);
          addEnded(scan, e, subrun, start?.log_name ?? null, limits, metricNames);
        } else if ((e.event === 'margin_set' || e.event === 'margin_restore') && e.ok === false) {
          scan.marginIssuesTotal += 1;
          if (scan.marginIssues.length < limits.marginIssues) scan.marginIssues.push(describeMarginIssue(e));
        }
      }
    }
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    scan.problems.push(`${err.message} — events after that line are not in the report${err.hint ? `; ${err.hint}` : ''}`);
  }
  for (const [key, start] of open) {
    const cut = key.lastIndexOf('#');
    addRow(scan, {
      subrun_id: key.slice(0, cut), index: Number(key.slice(cut + 1)), step_id: start.step_id, adapter: start.adapter,
      status: 'interrupted', exit_code: null, signal: null, duration_ms: null, metrics: {},
      error: 'started but no step_end was recorded (road_runner was killed or crashed)', log_name: start.log_name,
      marginal: false, marginal_reason: null,
    }, limits);
  }
  scan.metricNames = [...metricNames].sort();
  return scan;
}

// A step_end event: a whole row only when the report keeps it (the first rows, the first
// failures); otherwise only what the totals need, without a row object per step.
function addEnded(scan: StepScan, e: Record<string, unknown>, subrun: string, logName: string | null, limits: ScanLimits, metricNames: Set<string>): void {
  const metrics = e.metrics;
  if (typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics)) for (const name in metrics) if (name !== '__proto__') metricNames.add(name); // as readMetrics keeps them
  const status: EndedStepStatus = STATUSES.has(String(e.status)) ? (e.status as EndedStepStatus) : 'error';
  if (scan.rows.length < limits.rows || (isFailureStatus(status) && scan.failures.length < limits.failures)) {
    addRow(scan, toStepRow(e, subrun, logName), limits);
    return;
  }
  scan.total += 1;
  scan.counts[status] += 1;
  if (status === 'passed' && e.marginal === true) scan.marginal += 1;
  if (isFailureStatus(status)) scan.failuresTotal += 1;
  addToSubrun(scan, subrun, status, typeof e.duration_ms === 'number' ? e.duration_ms : null);
}

function addToSubrun(scan: StepScan, subrun: string, status: EndedStepStatus, durationMs: number | null): void {
  let agg = scan.bySubrun.get(subrun);
  if (agg === undefined) {
    agg = { worst: null, steps: 0, duration_ms: 0 };
    scan.bySubrun.set(subrun, agg);
  }
  agg.worst = pickWorseStatus(agg.worst, status);
  agg.steps += 1;
  agg.duration_ms += durationMs ?? 0;
}

function addRow(scan: StepScan, row: StepRow, limits: ScanLimits): void {
  scan.total += 1;
  scan.counts[row.status] += 1;
  if (row.marginal) scan.marginal += 1;
  addToSubrun(scan, row.subrun_id, row.status, row.duration_ms);
  if (scan.rows.length < limits.rows) scan.rows.push(row);
  if (isFailureStatus(row.status)) {
    scan.failuresTotal += 1;
    if (scan.failures.length < limits.failures) scan.failures.push(row);
  }
}

const STATUSES: ReadonlySet<string> = new Set(['passed', 'failed', 'timeout', 'error', 'interrupted']);

/** A step_end event as a table row (the dashboard reads rows the same way as the report). */
export function toStepRow(e: Record<string, unknown>, subrun: string, logName: string | null): StepRow {
  const status = STATUSES.has(String(e.status)) ? (e.status as EndedStepStatus) : 'error';
  return {
    subrun_id: subrun,
    index: Number(e.index),
    step_id: String(e.step_id ?? ''),
    adapter: String(e.adapter ?? ''),
    status,
    exit_code: typeof e.exit_code === 'number' ? e.exit_code : null,
    signal: asString(e.signal),
    duration_ms: typeof e.duration_ms === 'number' ? e.duration_ms : null,
    metrics: readMetrics(e.metrics),
    error: STATUSES.has(String(e.status)) ? asString(e.error) : `unknown step status ${JSON.stringify(e.status)}; ${asString(e.error) ?? ''}`,
    log_name: logName,
    marginal: status === 'passed' && e.marginal === true,
    marginal_reason: status === 'passed' && e.marginal === true ? asString(e.marginal_reason) : null,
  };
}

function readMetrics(value: unknown): Record<string, number | string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'number' ? v : String(v);
  return out;
}

function describeMarginIssue(e: Record<string, unknown>): string {
  const what = e.event === 'margin_set' ? `set ${String(e.rail)} to ${String(e.requested)}` : `restore ${String(e.rail)} to ${String(e.requested)}`;
  const where = e.subrun_id ? ` in ${String(e.subrun_id)}` : '';
  const back = e.read_back === null || e.read_back === undefined ? 'no read-back' : `read back ${String(e.read_back)}`;
  return `${e.ts ? `${String(e.ts)} ` : ''}${what}${where} failed (${back})${e.error ? `: ${String(e.error)}` : ''}`;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
