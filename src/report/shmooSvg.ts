// Geometry of the SVG shmoo plot: pixel positions of cells, their marks, the boundary line,
// tick labels and axis titles for each panel, computed here so the template only draws.
// Every state has its own fill AND its own mark or pattern (never colour alone): large cells
// carry a letter or "k/n", small cells a shape (× for fail, a dot for marginal, a split for
// flaky, ! for error), inferred cells a hatch. Cells never shrink below 12 × 10 px; a large
// grid scrolls instead, and tick labels thin out so they never overlap.

import type { CellState, ColumnEdge, JudgedCell, JudgedPanel, JudgedShmoo } from './shmooCells.js';
import type { ShmooPoint } from './shmooGrid.js';
import { CELL_STATES } from './shmooCells.js';
import { escapeXml } from './junitWriter.js';

/** One point's cell, ready to draw. */
export interface SvgCell {
  /** The first sub-run at the point (the link target), or null for inferred/unplanned cells. */
  id: string | null;
  state: CellState;
  /** The worst recorded outcome at the point (`failed`, `timeout`, …), or the state for inferred cells. */
  outcome: string;
  href: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  /** Shape drawn over the fill in small cells (an SVG path), or null. */
  mark: string | null;
  /** The flaky split: the failed half as a path, or null. */
  split: string | null;
  /** Centre dot (marginal in small cells), or null. */
  dot: { cx: number; cy: number; r: number } | null;
  /** Text drawn in large cells (`P`, `F`, `2/5`, …), or null. */
  label: string | null;
  lx: number;
  ly: number;
}

/** A piece of text placed on the plot. */
export interface SvgText {
  x: number;
  y: number;
  text: string;
  anchor: 'start' | 'middle' | 'end';
  transform: string | null;
}

/** One panel, ready to draw. */
export interface SvgPanel {
  title: string | null;
  width: number;
  height: number;
  frame: { x: number; y: number; w: number; h: number };
  cells: SvgCell[];
  labels: SvgText[];
  /** The boundary line where it lies inside the lattice (solid), and where a column never failed or never passed (dashed). */
  boundary: { solid: string; atEnd: string } | null;
  /**
   * A large panel's cells already written as SVG (`cells` is then empty): one path per state
   * and kind of mark, and over them one transparent hit rectangle per cell with its link and
   * hover text. Null for panels of up to COMPACT_CELLS cells, drawn element by element.
   */
  compact: string | null;
}

/** Panels with more cells than this are written as compact SVG (see SvgPanel.compact). */
export const COMPACT_CELLS = 2000;

const CHAR_PX = 7;
const TOP = 8;
const MIN_W = 12;
const MIN_H = 10;
const LETTERS: Partial<Record<CellState, string>> = { pass: 'P', marginal: 'M', fail: 'F', error: 'E' };

/** The anchor of a sub-run's row in report.html. */
export function subrunAnchor(id: string): string {
  return `subrun-${id}`;
}

/** Lays out every panel of a judged shmoo. */
export function layoutShmoo(judged: JudgedShmoo, xName: string | null, yName: string | null, hits: HitLayer = 'elements'): SvgPanel[] {
  return judged.panels.map((jp) => layoutPanel(jp, xName, yName, hits));
}

/**
 * How a large (compact) panel's cells are found under the pointer: `elements`, one transparent
 * linked rectangle per cell with its hover text (the report: a static file, no script); `data`,
 * no element per cell but one attribute listing every cell's state and sub-runs, read by the
 * dashboard's script from the click or pointer position (templates/serve/serve.js).
 */
export type HitLayer = 'elements' | 'data';

function layoutPanel(jp: JudgedPanel, xName: string | null, yName: string | null, hits: HitLayer): SvgPanel {
  const { panel } = jp;
  const ncols = panel.cols.length;
  const nrows = panel.rows.length;
  const cw = clamp(Math.floor(640 / ncols), MIN_W, 48);
  const ch = clamp(Math.floor(420 / nrows), MIN_H, 30);
  const yLabelChars = Math.max(0, ...panel.rows.map((r) => r.length));
  const left = (yName ? 22 : 6) + yLabelChars * CHAR_PX + 6;
  const plotH = nrows * ch;
  const bottom = xName ? 40 : 10;
  const labels: SvgText[] = [];
  const xLabelChars = Math.max(1, ...panel.cols.map((c) => c.length));
  const xStep = niceStep(Math.ceil((xLabelChars * CHAR_PX + 6) / cw));
  panel.cols.forEach((text, c) => {
    if (text !== '' && c % xStep === 0) labels.push({ x: left + c * cw + cw / 2, y: TOP + plotH + 14, text, anchor: 'middle', transform: null });
  });
  const yStep = niceStep(Math.ceil(13 / ch));
  panel.rows.forEach((text, r) => {
    if (text !== '' && r % yStep === 0) labels.push({ x: left - 5, y: TOP + (nrows - 1 - r) * ch + ch / 2 + 4, text, anchor: 'end', transform: null });
  });
  if (xName) labels.push({ x: left + (ncols * cw) / 2, y: TOP + plotH + 32, text: xName, anchor: 'middle', transform: null });
  if (yName) {
    const cy = TOP + plotH / 2;
    labels.push({ x: 12, y: cy, text: yName, anchor: 'middle', transform: `rotate(-90 12 ${cy})` });
  }
  const place = (cell: JudgedCell) => drawCell(cell, left + cell.col * cw, TOP + (nrows - 1 - cell.row) * ch, cw - 1, ch - 1);
  const compact = jp.cells.length <= COMPACT_CELLS ? null
    : hits === 'elements' ? writeCompact(jp.cells, place, writeHitRects)
      // A data hit layer carries no hover text per cell (the script writes it), so no cell object is made.
      : writeCompact(jp.cells, null, (ordered) => writeHitData(jp, ordered, { left, top: TOP, cw, ch, xName, yName }), { left, cw, ch, nrows });
  const cells = compact === null ? jp.cells.map(place) : [];
  cells.sort((a, b) => a.y - b.y || a.x - b.x);
  return {
    compact,
    title: panel.title,
    width: left + ncols * cw + 12,
    height: TOP + plotH + bottom,
    frame: { x: left - 1, y: TOP - 1, w: ncols * cw + 1, h: plotH + 1 },
    cells,
    labels,
    boundary: jp.edges.length > 0 ? traceBoundary(jp.edges, left, cw, (edge) => TOP + (nrows - edge) * ch) : null,
  };
}

function drawCell(cell: JudgedCell, x: number, y: number, w: number, h: number): SvgCell {
  const first = cell.points[0] ?? null;
  const tested = cell.points.some((p) => p.outcome !== 'planned');
  const big = w >= 22 && h >= 16;
  const cx = x + w / 2;
  const cy = y + h / 2;
  let label: string | null = null;
  let mark: string | null = null;
  let dot: SvgCell['dot'] = null;
  let split: string | null = null;
  if (cell.state === 'flaky') {
    split = splitPath(x, y, w, h);
    if (w >= 26 && h >= 14) label = `${cell.fails}/${cell.passes + cell.fails}`;
  } else if (big && LETTERS[cell.state]) {
    label = LETTERS[cell.state]!;
  } else if (cell.state === 'fail') {
    mark = crossPath(x, y, w, h);
  } else if (cell.state === 'marginal') {
    dot = { cx: r2(cx), cy: r2(cy), r: r2(Math.min(w, h) * 0.2) };
  } else if (cell.state === 'error') {
    mark = bangPath(x, y, w, h);
  }
  return {
    id: first?.id ?? null,
    state: cell.state,
    outcome: first ? worstOutcome(cell.points) : cell.state,
    href: tested && first ? `#${subrunAnchor(first.id)}` : null,
    x: r2(x), y: r2(y), w: r2(w), h: r2(h),
    title: describeCell(cell),
    mark, split, dot, label, lx: r2(cx), ly: r2(cy + 4),
  };
}

// The marks of small cells, as SVG path data.
function splitPath(x: number, y: number, w: number, h: number): string {
  return `M${r2(x)} ${r2(y)}L${r2(x)} ${r2(y + h)}L${r2(x + w)} ${r2(y + h)}Z`;
}

function crossPath(x: number, y: number, w: number, h: number): string {
  const cx = x + w / 2;
  const cy = y + h / 2;
  const dx = w * 0.28;
  const dy = h * 0.25;
  return `M${r2(cx - dx)} ${r2(cy - dy)}L${r2(cx + dx)} ${r2(cy + dy)}M${r2(cx - dx)} ${r2(cy + dy)}L${r2(cx + dx)} ${r2(cy - dy)}`;
}

function bangPath(x: number, y: number, w: number, h: number): string {
  const cx = r2(x + w / 2);
  return `M${cx} ${r2(y + h * 0.18)}L${cx} ${r2(y + h * 0.58)}M${cx} ${r2(y + h * 0.78)}L${cx} ${r2(y + h * 0.8)}`;
}

function dotPath(cx: number, cy: number, r: number): string {
  return `M${r2(cx - r)} ${cy}a${r} ${r} 0 1 0 ${r2(2 * r)} 0a${r} ${r} 0 1 0 ${r2(-2 * r)} 0z`;
}

// The cells of a large panel as SVG text: per state one group holding one path for all fills,
// one for the flaky splits, one for the marks and one for the dots, so the shapes and hatches
// that tell states apart without colour stay; then the hit layer (see HitLayer). With `place`
// each cell is drawn as a small panel's would be (the hit rectangles need its object); without,
// its marks are written straight from the grid geometry, with no object per cell.
function writeCompact(cells: JudgedCell[], place: ((cell: JudgedCell) => SvgCell) | null, writeHits: (ordered: JudgedCell[], placed: SvgCell[]) => string, grid?: { left: number; cw: number; ch: number; nrows: number }): string {
  const paths = new Map<CellState, { bg: string; split: string; mark: string; dot: string }>();
  const ordered = [...cells].sort((a, b) => b.row - a.row || a.col - b.col);
  const placed: SvgCell[] = [];
  for (const cell of ordered) {
    let p = paths.get(cell.state);
    if (!p) paths.set(cell.state, (p = { bg: '', split: '', mark: '', dot: '' }));
    if (place) {
      const c = place(cell);
      placed.push(c);
      p.bg += `M${c.x} ${c.y}h${c.w}v${c.h}h${-c.w}z`;
      if (c.split) p.split += c.split;
      if (c.mark) p.mark += c.mark;
      if (c.dot) p.dot += dotPath(c.dot.cx, c.dot.cy, c.dot.r);
      continue;
    }
    // The same geometry as drawCell for cells too small for a letter (compact cells are 12 × 10 px or so).
    const x = r2(grid!.left + cell.col * grid!.cw);
    const y = r2(TOP + (grid!.nrows - 1 - cell.row) * grid!.ch);
    const w = r2(grid!.cw - 1);
    const h = r2(grid!.ch - 1);
    p.bg += `M${x} ${y}h${w}v${h}h${-w}z`;
    const state = cell.state;
    if (state === 'flaky') p.split += splitPath(x, y, w, h);
    else if (w >= 22 && h >= 16 && LETTERS[state]) continue;
    else if (state === 'fail') p.mark += crossPath(x, y, w, h);
    else if (state === 'error') p.mark += bangPath(x, y, w, h);
    else if (state === 'marginal') p.dot += dotPath(r2(x + w / 2), r2(y + h / 2), r2(Math.min(w, h) * 0.2));
  }
  const groups: string[] = [];
  for (const { state } of CELL_STATES) {
    const p = paths.get(state);
    if (!p) continue;
    const path = (cls: string, d: string) => (d !== '' ? `<path class="${cls}" d="${d}"/>` : '');
    groups.push(`<g class="st-${state}" data-fill="${state}">${path('bg', p.bg)}${path('split', p.split)}${path('mark', p.mark)}${path('dot', p.dot)}</g>`);
  }
  return `${groups.join('\n')}\n${writeHits(ordered, placed)}`;
}

// One transparent rectangle per cell carrying what a small panel's cell carries (state,
// outcome, sub-run, link, hover text).
function writeHitRects(_ordered: JudgedCell[], placed: SvgCell[]): string {
  const hits = placed.map((c) => {
    const rect = `<rect class="shmoo-cell hit" data-state="${c.state}" data-outcome="${c.outcome}"${c.id ? ` data-subrun="${quickEscape(c.id)}"` : ''} x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}"><title>${quickEscape(c.title, false)}</title></rect>`;
    return c.href ? `<a href="${quickEscape(c.href)}">${rect}</a>` : rect;
  });
  return `<g class="hits">${hits.join('\n')}</g>`;
}

/** Outcomes as the data hit layer numbers them (`data-outcomes`). */
export const HIT_OUTCOMES = ['planned', 'passed', 'marginal', 'interrupted', 'aborted', 'error', 'failed', 'timeout', 'crashed'] as const;

/** The geometry and axis names the data hit layer needs to find a cell from a position. */
interface HitGeometry {
  left: number;
  top: number;
  cw: number;
  ch: number;
  xName: string | null;
  yName: string | null;
}

// The data hit layer: one empty group whose attributes hold the grid's geometry, its row and
// column values, and `data-cells`, one entry per cell separated by ";":
// "col,row,state,fails,passes" then, per sub-run at the point, " id:outcome" (ids without their
// common prefix `data-prefix`, state and outcome as indexes into `data-states`/`data-outcomes`).
// A 25,000-cell panel is then about 0.6 MB rather than 9 MB of elements.
function writeHitData(jp: JudgedPanel, ordered: JudgedCell[], g: HitGeometry): string {
  const { panel } = jp;
  let prefix: string | null = null;
  for (const cell of ordered) {
    for (const p of cell.points) prefix = prefix === null ? p.id : p.id.startsWith(prefix) ? prefix : commonPrefix(prefix, p.id);
  }
  prefix ??= '';
  const stateIndex = new Map(CELL_STATES.map((s, i) => [s.state, i]));
  const outcomeIndex = new Map<string, number>(HIT_OUTCOMES.map((o, i) => [o, i]));
  const cells: string[] = new Array(ordered.length);
  for (let i = 0; i < ordered.length; i++) {
    const cell = ordered[i]!;
    let entry = `${cell.col},${cell.row},${stateIndex.get(cell.state)},${cell.fails},${cell.passes}`;
    for (const p of cell.points) entry += ` ${p.id.slice(prefix.length)}:${outcomeIndex.get(p.outcome) ?? 0}`;
    cells[i] = entry;
  }
  const at = Object.entries(panel.at).map(([k, v]) => `${k}=${v}`).join(', ');
  const attrs: [string, string | number][] = [
    ['left', g.left], ['top', g.top], ['cw', g.cw], ['ch', g.ch], ['nrows', panel.rows.length], ['ncols', panel.cols.length],
    ['x', g.xName ?? ''], ['y', g.yName ?? ''], ['at', at], ['cols', panel.cols.join('|')], ['rows', panel.rows.join('|')],
    ['states', CELL_STATES.map((s) => s.state).join('|')], ['outcomes', HIT_OUTCOMES.join('|')], ['prefix', prefix], ['cells', cells.join(';')],
  ];
  return `<g class="shmoo-hits" data-count="${ordered.length}"${attrs.map(([k, v]) => ` data-${k}="${quickEscape(String(v))}"`).join('')}></g>`;
}

function commonPrefix(a: string, b: string): string {
  let n = 0;
  const max = Math.min(a.length, b.length);
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n === a.length ? a : a.slice(0, n);
}

// Most texts need no escaping (sub-run ids, numbers): one test spares the passes of escapeXml.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0009\u000B-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
function quickEscape(text: string, attribute = true): string {
  return NEEDS_ESCAPE.test(text) || (attribute && text.includes('\n')) ? escapeXml(text, attribute) : text;
}

const OUTCOME_RANK: readonly string[] = HIT_OUTCOMES;

function worstOutcome(points: ShmooPoint[]): string {
  return points.reduce((w, p) => (OUTCOME_RANK.indexOf(p.outcome) > OUTCOME_RANK.indexOf(w) ? p.outcome : w), points[0]!.outcome as string);
}

/** The hover text of a cell: its point, its verdict, and the sub-runs that ran it. */
export function describeCell(cell: Pick<JudgedCell, 'state' | 'points' | 'passes' | 'fails'>): string {
  const first = cell.points[0];
  const where = first ? Object.entries(first.point).map(([k, v]) => `${k}=${v}`).join(', ') : '';
  const verdict = cell.state === 'flaky' ? `flaky: failed ${cell.fails} of ${cell.passes + cell.fails}` : cell.state.replace('-', ' ');
  const shown = cell.points.slice(0, 6).map((p) => `${p.id}: ${p.outcome}`);
  if (cell.points.length > shown.length) shown.push(`… ${cell.points.length - shown.length} more`);
  return [where ? `${where} — ${verdict}` : verdict, ...shown].join('\n');
}

// One horizontal segment per column at its edge; neighbouring columns are joined by a vertical step.
function traceBoundary(edges: ColumnEdge[], left: number, cw: number, yOf: (edge: number) => number): { solid: string; atEnd: string } {
  const sorted = [...edges].sort((a, b) => a.col - b.col);
  let solid = '';
  let atEnd = '';
  sorted.forEach((e, i) => {
    const x0 = left + e.col * cw - (i > 0 && sorted[i - 1]!.col === e.col - 1 ? 0 : 0.5);
    const y = r2(yOf(e.edge) - 0.5);
    const segment = `M${r2(x0)} ${y}H${r2(left + (e.col + 1) * cw - 0.5)}`;
    if (e.atEnd) atEnd += segment;
    else solid += segment;
    const next = sorted[i + 1];
    if (next && next.col === e.col + 1 && !e.atEnd && !next.atEnd && next.edge !== e.edge) {
      solid += `V${r2(yOf(next.edge) - 0.5)}`;
    }
  });
  return { solid, atEnd };
}

// Label steps of 1, 2, 4, 5, 10, 20, … so thinned labels land on round positions.
function niceStep(n: number): number {
  if (n <= 1) return 1;
  for (const s of [2, 4, 5, 8, 10]) if (n <= s) return s;
  return Math.ceil(n / 10) * 10;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function r2(n: number): number {
  return Math.round(n * 100) / 100;
}
