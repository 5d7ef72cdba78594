// Small text helpers for the run commands: aligned tables, times, durations, signed numbers.

import { formatDuration as formatReportDuration } from '../report/format.js';

/** Lays out rows under headers in columns two spaces apart (the last column is not padded). */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** An ISO time as `2024-01-31 12:00:05Z` (seconds precision, UTC). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min` (`—` for none). */
export function formatDuration(ms: number | null | undefined): string {
  return formatReportDuration(ms) || '—';
}

/** A number as short as it can be shown exactly enough: up to 6 significant digits. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** A signed change: `+1.5`, `-3`. */
export function formatSigned(x: number): string {
  return `${x > 0 ? '+' : ''}${formatNumber(x)}`;
}

/** A signed percentage with one decimal: `+1.5 %`, `-12.0 %` (`n/a` for null). */
export function formatPercent(x: number | null): string {
  if (x === null) return 'n/a';
  return `${x > 0 ? '+' : ''}${x.toFixed(1)} %`;
}

/** `1 point`, `3 points`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
