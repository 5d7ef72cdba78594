// Text for `diff`: what changed between two runs, point by point, then steps, then metrics.

import type { RunDiff } from './diff.js';
import type { RunSide } from './runPoints.js';
import type { ValueMove } from './boundaryDiff.js';
import { formatNumber, formatPercent, formatSigned, formatTime, plural } from './text.js';

const STATUS_ORDER = ['passed', 'marginal', 'failed', 'interrupted', 'crashed', 'aborted', 'planned'];

/** The lines of a diff, most important first. */
export function renderDiff(d: RunDiff): string[] {
  const lines = [describeSide('A', d.a), describeSide('B', d.b)];
  if (!d.same_sweep) lines.push(`different sweeps: compared on the ${plural(d.matched_points, 'point')} they share`);
  lines.push('');
  if (d.changed_points.length > 0) {
    lines.push(`${plural(d.changed_points.length, 'point')} changed outcome:`);
    for (const c of d.changed_points) lines.push(`  ${c.point}: ${c.a_status} → ${c.b_status}`);
  }
  lines.push(describeUnchanged(d));
  if (d.only_in_a.length > 0) {
    lines.push(`only in A (${d.only_in_a.length}):`);
    for (const p of d.only_in_a) lines.push(`  ${p.point}: ${p.status}`);
  }
  if (d.only_in_b.length > 0) {
    lines.push(`only in B (${d.only_in_b.length}):`);
    for (const p of d.only_in_b) lines.push(`  ${p.point}: ${p.status}`);
  }
  lines.push('');
  if (d.step_changes.length === 0) lines.push('steps: no status changed');
  else {
    lines.push(`steps whose status changed (${d.step_changes.length}):`);
    for (const s of d.step_changes) lines.push(`  ${s.point} / ${s.step}: ${s.a_status ?? '(absent)'} → ${s.b_status ?? '(absent)'}`);
  }
  lines.push('');
  if (d.metric_summary.length === 0) lines.push('metrics: none reported by both runs');
  else {
    lines.push('metrics:');
    for (const m of d.metric_summary) {
      const range = m.changed > 0 && m.min_percent !== null && m.max_percent !== null
        ? `, mean ${formatPercent(m.mean_percent)} (${formatPercent(m.min_percent)} … ${formatPercent(m.max_percent)})`
        : '';
      lines.push(`  ${m.metric}: ${m.compared} compared, ${m.changed} changed${range}`);
    }
  }
  if (d.metric_deltas.length > 0) {
    lines.push(`metric changes (${d.metric_deltas.length}):`);
    for (const x of d.metric_deltas) {
      lines.push(`  ${x.point} / ${x.step} ${x.metric}: ${formatNumber(x.a)} → ${formatNumber(x.b)} (${formatSigned(x.delta)}, ${formatPercent(x.percent)})`);
    }
  }
  lines.push(...describeBoundaryMoves(d));
  if (d.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const w of d.warnings) lines.push(`  ${w}`);
  }
  return lines;
}

/** `19 points unchanged (15 passed, 4 failed)`. */
export function describeUnchanged(d: Pick<RunDiff, 'unchanged'>): string {
  const rank = (status: string) => {
    const i = STATUS_ORDER.indexOf(status);
    return i === -1 ? STATUS_ORDER.length : i;
  };
  const parts = Object.entries(d.unchanged.by_status)
    .sort(([x], [y]) => rank(x) - rank(y) || (x < y ? -1 : 1))
    .map(([status, n]) => `${n} ${status}`);
  return `${plural(d.unchanged.count, 'point')} unchanged${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

// One line per shared column: confirmed and guard-banded boundary in A → B, the move and its side.
function describeBoundaryMoves(d: RunDiff): string[] {
  const b = d.boundary;
  if (!b) return [];
  const what = b.direction === 'down' ? `Vmin (lowest passing ${b.rail})` : `Fmax (highest passing ${b.rail})`;
  const safe = b.direction === 'down' ? 'up' : 'down';
  const lines = ['', `boundary: ${what} per column, B − A in ${b.rail} units (the safe side is ${safe}: a move there loses margin):`];
  const show = (v: number | null) => (v === null ? 'never passed' : formatNumber(v));
  const move = (m: ValueMove) => (m.delta === null ? 'not comparable' : m.toward === 'none' ? 'unchanged' : `${formatSigned(m.delta)} toward ${m.toward === 'safe' ? 'safe side (less margin)' : 'far side (more margin)'}`);
  for (const c of b.columns) {
    lines.push(`  ${c.key || '(single column)'}: confirmed ${show(c.confirmed.a)} → ${show(c.confirmed.b)} (${move(c.confirmed)}), guard-banded ${show(c.guard_banded.a)} → ${show(c.guard_banded.b)} (${move(c.guard_banded)})`);
  }
  if (b.columns.length === 0) lines.push('  no column in common');
  if (b.only_in_a.length > 0) lines.push(`  columns only in A: ${b.only_in_a.join('; ')}`);
  if (b.only_in_b.length > 0) lines.push(`  columns only in B: ${b.only_in_b.join('; ')}`);
  return lines;
}

function describeSide(label: string, s: RunSide): string {
  return `${label}: ${s.run_id}  ${s.status}  unit ${s.unit ?? '—'}  ${s.flow ?? '—'} × ${s.margin ?? '—'}  started ${formatTime(s.started_at)}`;
}
