// `fleet report`: the lab's view of the boundary across units, built from plain rows (pure;
// the query lives in fleetOps.ts). Per unit, its newest run's boundary per column; per
// column, the distribution of the boundary over units (a box plot with every unit as a dot,
// outliers beyond 1.5 IQR named); each unit's drift against its own previous run; and the
// jobs that were lost or crashed. Rendered as Markdown and as one self-contained HTML file.

/** One boundary column of one run, as uploaded. */
export interface BoundaryRow {
  unit: string;
  run_id: string;
  started_at: string | null;
  flow: string | null;
  margin: string | null;
  rail: string;
  direction: string;
  column_key: string;
  raw: number | null;
  confirmed: number | null;
  guard_banded: number | null;
}

/** A job that ended lost or crashed. */
export interface TroubleJob {
  job_id: string;
  unit: string;
  host_id: string | null;
  state: string;
  detail: string | null;
  run_id: string | null;
  /** When its host was written off as lost during it (kept after its agent reported the run). */
  was_lost_at?: string | null;
}

/** The distribution of one column's boundary over units. */
export interface ColumnStats {
  column: string;
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  outliers: { unit: string; value: number }[];
  values: { unit: string; value: number }[];
}

/** Everything the report shows. */
export interface FleetReportData {
  title: string;
  rail: string | null;
  columns: string[];
  units: { unit: string; run_id: string; values: Record<string, number | null>; drift: Record<string, number | null> }[];
  stats: ColumnStats[];
  trouble: TroubleJob[];
}

// The value a boundary column stands for: the confirmed boundary, else the raw one.
const valueOf = (r: BoundaryRow): number | null => r.confirmed ?? r.raw;

/** Builds the report data from boundary rows (any order) and troubled jobs. */
export function buildFleetReport(rows: BoundaryRow[], trouble: TroubleJob[], filter: { flow?: string; margin?: string } = {}): FleetReportData {
  const kept = rows.filter((r) => (filter.flow === undefined || r.flow === filter.flow) && (filter.margin === undefined || r.margin === filter.margin));
  // Runs per unit, newest first.
  const runsByUnit = new Map<string, { run_id: string; started_at: string; cols: Map<string, BoundaryRow> }[]>();
  for (const r of kept) {
    const list = runsByUnit.get(r.unit) ?? [];
    let run = list.find((x) => x.run_id === r.run_id);
    if (!run) {
      run = { run_id: r.run_id, started_at: r.started_at ?? r.run_id, cols: new Map() };
      list.push(run);
    }
    run.cols.set(r.column_key, r);
    runsByUnit.set(r.unit, list);
  }
  const columns = [...new Set(kept.map((r) => r.column_key))].sort(compareColumns);
  const units = [...runsByUnit.keys()].sort().map((unit) => {
    const [latest, previous] = runsByUnit.get(unit)!.sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
    const values: Record<string, number | null> = {};
    const drift: Record<string, number | null> = {};
    for (const c of columns) {
      const now = latest!.cols.get(c);
      const before = previous?.cols.get(c);
      values[c] = now ? valueOf(now) : null;
      const a = now ? valueOf(now) : null;
      const b = before ? valueOf(before) : null;
      drift[c] = a !== null && b !== null ? a - b : null;
    }
    return { unit, run_id: latest!.run_id, values, drift };
  });
  const stats = columns.map((column) => columnStats(column, units.flatMap((u) => (u.values[column] === null ? [] : [{ unit: u.unit, value: u.values[column]! }]))))
    .filter((s): s is ColumnStats => s !== null);
  const rail = kept[0]?.rail ?? null;
  const title = `Fleet boundary${filter.flow ? ` — ${filter.flow}` : ''}${filter.margin ? ` × ${filter.margin}` : ''}`;
  return { title, rail, columns, units, stats, trouble };
}

// Quartiles by linear interpolation; outliers beyond 1.5 IQR from the box.
function columnStats(column: string, values: { unit: string; value: number }[]): ColumnStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const q = (p: number) => {
    const at = (sorted.length - 1) * p;
    const lo = Math.floor(at);
    const hi = Math.ceil(at);
    return sorted[lo]!.value + (sorted[hi]!.value - sorted[lo]!.value) * (at - lo);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const iqr = q3 - q1;
  const outliers = sorted.filter((v) => v.value < q1 - 1.5 * iqr || v.value > q3 + 1.5 * iqr);
  return { column, n: sorted.length, min: sorted[0]!.value, q1, median: q(0.5), q3, max: sorted.at(-1)!.value, outliers, values: sorted };
}

// Columns like `freq_mhz=2000` sort by their numbers, not as text.
function compareColumns(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

const fmt = (v: number | null): string => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(1));
const signed = (v: number | null): string => (v === null ? '—' : v > 0 ? `+${fmt(v)}` : fmt(v));
const columnName = (c: string) => (c === '' ? '(single column)' : c);

/** The report as Markdown. */
export function renderFleetMarkdown(d: FleetReportData): string {
  // Table cells and text: pipes, angle brackets, backticks and backslashes lose their meaning.
  const md = (s: string) => s.replace(/([\\|`<>])/g, '\\$1');
  const out: string[] = [`# ${md(d.title)}`, ''];
  if (d.units.length === 0) out.push('No boundary uploaded yet.', '');
  else {
    out.push(`Boundary of ${md(d.rail ?? '?')} per unit (newest run; drift against that unit's previous run in brackets).`, '');
    out.push(`| unit | run | ${d.columns.map((c) => md(columnName(c))).join(' | ')} |`, `|---|---|${d.columns.map(() => '---').join('|')}|`);
    for (const u of d.units) out.push(`| ${md(u.unit)} | ${u.run_id} | ${d.columns.map((c) => `${fmt(u.values[c] ?? null)}${u.drift[c] ? ` (${signed(u.drift[c]!)})` : ''}`).join(' | ')} |`);
    out.push('', '## Distribution per column', '', '| column | units | min | Q1 | median | Q3 | max | outliers |', '|---|---|---|---|---|---|---|---|');
    for (const s of d.stats) {
      out.push(`| ${md(columnName(s.column))} | ${s.n} | ${fmt(s.min)} | ${fmt(s.q1)} | ${fmt(s.median)} | ${fmt(s.q3)} | ${fmt(s.max)} | ${s.outliers.map((o) => `${md(o.unit)} (${fmt(o.value)})`).join(', ') || '—'} |`);
    }
    out.push('');
  }
  out.push('## Lost or crashed jobs', '');
  if (d.trouble.length === 0) out.push('None.');
  for (const t of d.trouble) out.push(`- ${md(t.unit)} on ${md(t.host_id ?? '?')}: job ${t.job_id} ${t.state}${lostNote(t)}${t.run_id ? ` (run ${t.run_id})` : ''}${t.detail ? ` — ${md(t.detail)}` : ''}`);
  return `${out.join('\n')}\n`;
}

/** The report as one self-contained HTML file (no network), with an SVG box plot per column. */
export function renderFleetHtml(d: FleetReportData): string {
  const e = escapeHtml;
  const table = d.units.length === 0 ? '<p>No boundary uploaded yet.</p>' : `<table><thead><tr><th>unit</th><th>run</th>${d.columns.map((c) => `<th>${e(columnName(c))}</th>`).join('')}</tr></thead><tbody>${
    d.units.map((u) => `<tr><td>${e(u.unit)}</td><td><code>${e(u.run_id)}</code></td>${d.columns.map((c) => `<td>${e(fmt(u.values[c] ?? null))}${u.drift[c] ? ` <small>(${e(signed(u.drift[c]!))})</small>` : ''}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const trouble = d.trouble.length === 0 ? '<p>None.</p>' : `<ul>${d.trouble.map((t) => `<li>${e(t.unit)} on ${e(t.host_id ?? '?')}: job <code>${e(t.job_id)}</code> <b>${e(t.state)}</b>${e(lostNote(t))}${t.run_id ? ` (run <code>${e(t.run_id)}</code>)` : ''}${t.detail ? ` — ${e(t.detail)}` : ''}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(d.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
svg text{font:12px system-ui,sans-serif}.box{fill:#cfe3ff;stroke:#2a62b8}.whisker{stroke:#2a62b8}.median{stroke:#0b2f6b;stroke-width:2}.dot{fill:#333;opacity:.7}.outlier{fill:#c0392b}</style></head>
<body><h1>${e(d.title)}</h1>
<h2>Boundary of <code>${e(d.rail ?? '?')}</code> per unit</h2>
<p>Newest run of each unit; in brackets the drift against that unit's previous run.</p>
${table}
<h2>Distribution per column</h2>
${boxPlots(d.stats)}
<h2>Lost or crashed jobs</h2>
${trouble}
</body></html>
`;
}

/**
 * One horizontal box plot per column on a shared axis; every unit a dot, outliers red and named.
 * An SVG string (text escaped here), styled by the classes box, whisker, median, dot and outlier:
 * the report and the dashboard's fleet page (src/serve/) draw the same one.
 */
export function boxPlots(stats: ColumnStats[]): string {
  if (stats.length === 0) return '<p>No data.</p>';
  const lo = Math.min(...stats.map((s) => s.min));
  const hi = Math.max(...stats.map((s) => s.max));
  const span = hi - lo || 1;
  const left = 170;
  const width = 520;
  const rowH = 46;
  const x = (v: number) => left + ((v - lo) / span) * width;
  const rows = stats.map((s, i) => {
    const y = 20 + i * rowH;
    const mid = y + 14;
    const dots = s.values.map((v) => {
      const out = s.outliers.some((o) => o.unit === v.unit);
      return `<circle class="${out ? 'outlier' : 'dot'}" cx="${x(v.value).toFixed(1)}" cy="${mid}" r="3.5"><title>${escapeHtml(v.unit)}: ${fmt(v.value)}</title></circle>${out ? `<text x="${x(v.value).toFixed(1)}" y="${y - 2}" text-anchor="middle">${escapeHtml(v.unit)}</text>` : ''}`;
    }).join('');
    // Whiskers reach the furthest units that are not outliers.
    const inner = s.values.filter((v) => !s.outliers.some((o) => o.unit === v.unit)).map((v) => v.value);
    const wLo = inner.length > 0 ? Math.min(...inner) : s.q1;
    const wHi = inner.length > 0 ? Math.max(...inner) : s.q3;
    return `<text x="0" y="${mid + 4}">${escapeHtml(columnName(s.column))} (n=${s.n})</text>
<line class="whisker" x1="${x(wLo)}" x2="${x(wHi)}" y1="${mid}" y2="${mid}"/>
<rect class="box" x="${x(s.q1)}" y="${y + 4}" width="${Math.max(1, x(s.q3) - x(s.q1))}" height="20"/>
<line class="median" x1="${x(s.median)}" x2="${x(s.median)}" y1="${y + 4}" y2="${y + 24}"/>${dots}`;
  });
  const h = 40 + stats.length * rowH;
  const ticks = [lo, lo + span / 2, hi].map((v) => `<text x="${x(v)}" y="${h - 4}" text-anchor="middle">${fmt(v)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 40}" height="${h}" role="img" aria-label="boundary distribution per column">${rows.join('\n')}${ticks}</svg>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// "(lost at …)" for a job whose host was written off during it, whatever it was reported as later.
function lostNote(t: TroubleJob): string {
  return t.was_lost_at ? `, was lost at ${t.was_lost_at}` : '';
}
