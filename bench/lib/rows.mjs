// Result rows: one figure, its baseline, ratio and target, judged PASS / MISS / INFO / ERROR,
// printed as a table and saved as JSON.

/**
 * A judged row. target: { on: 'ratio' | 'value', max, strict } or null (INFO).
 * value/baseline are numbers in `unit` (ms, ms/step, MiB); baseline may be null.
 */
export function makeRow({ id, what, value, unit, baseline = null, baselineWhat = null, target = null, note = null, samples = null }) {
  const ratio = baseline === null || !Number.isFinite(baseline) || baseline === 0 ? null : value / baseline;
  let status = 'INFO';
  if (!Number.isFinite(value)) status = 'ERROR';
  else if (target !== null) {
    const judged = target.on === 'ratio' ? ratio : value;
    // target.min (a floor, e.g. a rate) instead of target.max: the value must reach it.
    const ok = judged !== null && (target.min !== undefined ? judged >= target.min : target.strict ? judged < target.max : judged <= target.max);
    status = ok ? 'PASS' : 'MISS';
  }
  return { id, what, value, unit, baseline, baseline_what: baselineWhat, ratio, target, status, note, samples };
}

/** A row for a benchmark that could not run at all. */
export function makeErrorRow(id, what, error) {
  return { id, what, value: null, unit: null, baseline: null, baseline_what: null, ratio: null, target: null, status: 'ERROR', note: String(error?.message ?? error).slice(0, 2000), samples: null };
}

function formatNumber(value, unit) {
  if (value === null || !Number.isFinite(value)) return '-';
  if (unit === 'MiB') return `${value.toFixed(0)} MiB`;
  if (unit === 'ms/step') return `${value.toFixed(2)} ms/step`;
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
  return `${value.toFixed(2)} ${unit}`;
}

/** The target as text, e.g. "≤ 1.7×" or "< 2000 ms". */
export function describeTarget(row) {
  const t = row.target;
  if (t === null) return '-';
  if (t.min !== undefined) return `≥ ${formatNumber(t.min, row.unit)}`;
  const op = t.strict ? '<' : '≤';
  return t.on === 'ratio' ? `${op} ${t.max}×` : `${op} ${formatNumber(t.max, row.unit)}`;
}

/** Rows as an aligned plain-text table (also valid Markdown when markdown is true). */
export function formatTable(rows, markdown = false) {
  const header = ['status', 'what', 'figure', 'baseline', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.status,
    r.what,
    formatNumber(r.value, r.unit),
    r.baseline === null ? '-' : `${formatNumber(r.baseline, r.unit)} (${r.baseline_what})`,
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`,
    describeTarget(r),
  ]);
  if (markdown) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
