// Text for `runs list` and `runs show`.

import { relative } from 'node:path';
import type { RunListing } from './catalog.js';
import { formatCounts } from './recordRead.js';
import type { RunDetail } from './runDetail.js';
import { formatPoint } from './pointKey.js';
import { formatDuration, formatTime, renderTable } from './text.js';

/** The `runs list` table, one row per run as given (newest first), notes in the last column. */
export function renderRunList(rows: readonly RunListing[]): string[] {
  if (rows.length === 0) return ['no runs yet'];
  return renderTable(
    ['RUN', 'STARTED', 'UNIT', 'FLOW', 'MARGIN', 'STATUS', 'STEPS', 'DURATION', 'NOTE'],
    rows.map((r) => [
      r.id,
      `${formatTime(r.started_at)}${r.start_source === 'mtime' ? '*' : ''}`,
      r.unit ?? '—',
      r.flow ?? '—',
      r.margin ?? '—',
      r.status,
      r.counts ? formatCounts(r.counts) : '—',
      formatDuration(r.duration_ms),
      r.notes.join('; '),
    ]),
  ).concat(rows.some((r) => r.start_source === 'mtime') ? ['* start taken from the folder time (no readable summary.json)'] : []);
}

/** The `runs show` text: summary fields, the sub-run table, then the reports and records present. */
export function renderRunDetail(d: RunDetail, cwd: string): string[] {
  const r = d.listing;
  const s = d.summary;
  const lines = [
    `run ${r.id}: ${r.status}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`,
    `  unit      ${r.unit ?? '—'}`,
    `  flow      ${r.flow ?? '—'}`,
    `  margin    ${r.margin ?? '—'}`,
    `  started   ${formatTime(r.started_at)}${r.start_source === 'mtime' ? ' (folder time)' : ''}`,
  ];
  if (s) {
    lines.push(
      `  ended     ${formatTime(s.ended_at)}`,
      `  duration  ${formatDuration(s.ended_at ? s.duration_ms : null)}`,
      `  seed      ${String(s.seed ?? '—')}`,
      `  profile   ${s.profile ?? 'none (site policy)'}`,
      `  host      ${describeHost(s.host)}`,
      `  steps     ${r.counts ? formatCounts(r.counts) : '—'}`,
      `  exit code ${s.exit_code ?? '—'}${s.dry_run ? ' (dry run)' : ''}`,
    );
    if (s.reason) lines.push(`  reason    ${s.reason}`);
    const bounds = describeBounds(s.bounds);
    if (bounds) lines.push(`  bounds    ${bounds}`);
  }
  lines.push('', `sub-runs (${d.subruns.length}):`);
  if (d.subruns.length > 0) {
    const table = renderTable(
      ['SUB-RUN', 'POINT', 'STATUS', 'STEPS', 'NOTE'],
      d.subruns.map((x) => [x.id, formatPoint(x.point), x.status, x.counts ? formatCounts(x.counts) : '—', x.note ?? '']),
    );
    lines.push(...table.map((l) => `  ${l}`));
  }
  lines.push('', d.reports.length ? 'reports:' : 'reports: none yet (make them with `road_runner report --run-id ID`)');
  for (const p of d.reports) lines.push(`  ${relative(cwd, p) || p}`);
  lines.push(d.records.length ? 'records:' : 'records: none');
  for (const p of d.records) lines.push(`  ${relative(cwd, p) || p}`);
  return lines;
}

function describeHost(host: unknown): string {
  if (typeof host !== 'object' || host === null) return '—';
  const h = host as Record<string, unknown>;
  const parts = [h.hostname, h.model, h.cores !== undefined ? `${String(h.cores)} cores` : undefined, h.kernel].filter((x) => x !== undefined && x !== null);
  return parts.length ? parts.map(String).join(', ') : '—';
}

function describeBounds(bounds: unknown): string {
  const rails = (bounds as { rails?: Record<string, { min?: unknown; max?: unknown }> } | null)?.rails;
  if (typeof rails !== 'object' || rails === null) return '';
  return Object.entries(rails).map(([rail, b]) => `${rail} ${String(b?.min)}…${String(b?.max)}`).join(', ');
}
