// The rows of an export: one per executed step (a step_end event), joined with the
// step_start of the same sub-run and index for its params, margins, seed and log name. Two
// streaming passes over the run's event logs (one per sub-run, or the single file of the
// earlier layout): the first learns the column set (and totals), the second yields rows.
// Only the steps started but not yet ended are held in memory.

import { readRunEventBatches, type ReadRunEventsOptions, type RunFolderLayout } from '../records/runFolderLayout.js';

/** The fixed leading columns of every export (SPEC §9), in order. */
export const BASE_COLUMNS = [
  'run_id', 'subrun_id', 'unit', 'step_index', 'step_id', 'adapter', 'status', 'exit_code', 'duration_ms', 'started_at', 'ended_at',
  'seed', 'error', 'stdout_log', 'stderr_log',
] as const;

/** Columns after the `metric_*` group, always present (appended so the §9 order stays as it was). */
export const TRAILING_COLUMNS = ['subrun_status', 'health_ce_delta', 'health_ue_delta', 'marginal'] as const;

/** A sub-run's health as its `health` event recorded it. */
export interface SubrunHealthCell {
  ce: number | null;
  ue: number | null;
  verdict: string;
  reason: string | null;
  lines: string[];
}

/** The status of a sub-run by id (from its summary.json), null when unknown. */
export type SubrunStatusOf = (subrunId: string) => string | null;

/** A cell of an export row. */
export type ExportValue = string | number | boolean | null;

/** The columns of one export, and the totals the JUnit writer needs up front. */
export interface ExportShape {
  columns: string[];
  rows: number;
  byStatus: Record<string, number>;
  durationMs: number;
  /** The `health` event of each sub-run that has one (one small entry per sub-run, not per step). */
  health?: Map<string, SubrunHealthCell>;
}

/** One row, its values in column order, with what the JUnit writer shows beside the columns. */
export interface ExportRow {
  values: ExportValue[];
  error: string | null;
  signal: string | null;
  /** The log name of the step (`NN_<step>[-k].log`), null when no step_start recorded it. */
  logName: string | null;
  /** Why a step that passed is marginal (its metric outside the marginal band); null otherwise. */
  marginalReason: string | null;
}

/** Position of each column in a row (`columnIndex(columns).get('status')`). */
export function indexColumns(columns: string[]): Map<string, number> {
  return new Map(columns.map((c, i) => [c, i]));
}

/** Options of the passes. */
export type PassOptions = ReadRunEventsOptions;

/** First pass: every margin, param and metric name (each group sorted), and the totals. */
export async function collectExportShape(layout: RunFolderLayout, options: PassOptions = {}): Promise<ExportShape> {
  const margins = new Set<string>();
  const params = new Set<string>();
  const metrics = new Set<string>();
  const byStatus: Record<string, number> = {};
  let rows = 0;
  let durationMs = 0;
  const health = new Map<string, SubrunHealthCell>();
  for await (const batch of readRunEventBatches(layout, options)) for (const e of batch) {
    if (e.event === 'health' && typeof e.subrun_id === 'string') {
      health.set(e.subrun_id, {
        ce: typeof e.ce_delta === 'number' ? e.ce_delta : null,
        ue: typeof e.ue_delta === 'number' ? e.ue_delta : null,
        verdict: typeof e.verdict === 'string' ? e.verdict : 'passed',
        reason: typeof e.reason === 'string' ? e.reason : null,
        lines: Array.isArray(e.lines) ? e.lines.filter((l): l is string => typeof l === 'string').slice(0, 20) : [],
      });
      continue;
    }
    if (e.event === 'step_start') {
      for (const k of keysOf(e.margins)) margins.add(k);
      for (const k of keysOf(e.params)) params.add(k);
    } else if (e.event === 'step_end') {
      for (const k of keysOf(e.metrics)) metrics.add(k);
      rows += 1;
      const status = String(e.status);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      durationMs += typeof e.duration_ms === 'number' ? e.duration_ms : 0;
    }
  }
  const prefixed = (prefix: string, names: Set<string>) => [...names].sort().map((n) => `${prefix}${n}`);
  return {
    columns: [...BASE_COLUMNS, ...prefixed('margin_', margins), ...prefixed('param_', params), ...prefixed('metric_', metrics), ...TRAILING_COLUMNS],
    rows,
    byStatus,
    durationMs,
    health,
  };
}

/**
 * Second pass: the rows in file order, each with every column (null where a step has no value),
 * a batch at a time (the rows of one event log, or of a part of a streamed one).
 */
export async function* streamExportRows(layout: RunFolderLayout, runId: string, unit: string, columns: string[],
  trailing: { health?: Map<string, SubrunHealthCell>; statusOf?: SubrunStatusOf } = {}): AsyncGenerator<ExportRow[]> {
  const index = indexColumns(columns);
  const at = TRAILING_COLUMNS.map((c) => index.get(c));
  const open = new Map<string, { margins: unknown; params: unknown; seed: unknown; logName: string | null }>();
  // Log paths of the current sub-run: every step of it shares the folder part.
  let pathsOf: { id: string; stdout: string; stderr: string } | null = null;
  const logPath = (subrunId: string, stream: 'stdout' | 'stderr', logName: string): string => {
    if (pathsOf?.id !== subrunId) {
      const probe = '\u0000';
      const stdout = layout.stepLogPath(subrunId, 'stdout', probe);
      const stderr = layout.stepLogPath(subrunId, 'stderr', probe);
      pathsOf = { id: subrunId, stdout: stdout.slice(0, -probe.length), stderr: stderr.slice(0, -probe.length) };
    }
    return (stream === 'stdout' ? pathsOf.stdout : pathsOf.stderr) + logName;
  };
  for await (const batch of readRunEventBatches(layout)) {
    const rows: ExportRow[] = [];
    for (const e of batch) {
      const key = `${String(e.subrun_id)}#${String(e.index)}`;
      if (e.event === 'step_start') {
        open.set(key, { margins: e.margins, params: e.params, seed: e.seed, logName: safeLogName(e.log_name) });
        continue;
      }
      if (e.event !== 'step_end') continue;
      const start = open.get(key);
      open.delete(key);
      const subrunId = typeof e.subrun_id === 'string' ? e.subrun_id : null;
      const logName = start?.logName ?? null;
      const values: ExportValue[] = [
        typeof e.run_id === 'string' ? e.run_id : runId, asValue(e.subrun_id), unit, asValue(e.index), asValue(e.step_id),
        asValue(e.adapter), asValue(e.status), asValue(e.exit_code), asValue(e.duration_ms), asValue(e.started_at), asValue(e.ended_at),
        asValue(start?.seed), asValue(e.error),
        subrunId !== null && logName !== null ? logPath(subrunId, 'stdout', logName) : null,
        subrunId !== null && logName !== null ? logPath(subrunId, 'stderr', logName) : null,
      ];
      values.length = columns.length;
      values.fill(null, BASE_COLUMNS.length);
      copyPrefixed(values, index, 'margin_', start?.margins);
      copyPrefixed(values, index, 'param_', start?.params);
      copyPrefixed(values, index, 'metric_', e.metrics);
      // Older runs have no `marginal` on step_end: false, as for any step that did not pass marginally.
      const marginal = e.status === 'passed' && e.marginal === true;
      const h = subrunId === null ? undefined : trailing.health?.get(subrunId);
      const status = subrunId === null ? null : trailing.statusOf?.(subrunId) ?? null;
      if (at[0] !== undefined) values[at[0]] = status;
      if (at[1] !== undefined) values[at[1]] = h?.ce ?? null;
      if (at[2] !== undefined) values[at[2]] = h?.ue ?? null;
      if (at[3] !== undefined) values[at[3]] = marginal;
      const marginalReason = marginal ? (typeof e.marginal_reason === 'string' ? e.marginal_reason : 'marginal') : null;
      rows.push({ values, error: typeof e.error === 'string' ? e.error : null, signal: typeof e.signal === 'string' ? e.signal : null, logName, marginalReason });
    }
    if (rows.length > 0) yield rows;
  }
}

// Copies only the columns the first pass found (a name first seen after it cannot appear).
function copyPrefixed(values: ExportValue[], index: Map<string, number>, prefix: string, source: unknown): void {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
  for (const k in source) {
    const at = index.get(prefix + k);
    if (at !== undefined) values[at] = asValue((source as Record<string, unknown>)[k]);
  }
}

function asValue(v: unknown): ExportValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

// A log name is a plain file name; anything else (edited records) gets no path.
function safeLogName(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== '.' && value !== '..' && !value.includes('/') && !value.includes('\\') ? value : null;
}

function keysOf(value: unknown): string[] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
}
