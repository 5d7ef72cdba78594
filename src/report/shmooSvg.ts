// Geometry of the SVG shmoo plot: pixel positions of cells, tick labels and axis titles for
// each panel, computed here so the template only draws. Cell sizes shrink with the grid
// (down to 6 px) and tick labels thin out so they never overlap.

import { glyphOf, type SubrunOutcome } from './outcome.js';
import type { GridPanel, ShmooGrid, ShmooPoint } from './shmooGrid.js';

/** One sub-run's rectangle. */
export interface SvgCell {
  id: string;
  outcome: SubrunOutcome;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  /** Letter drawn in the cell when it is large enough. */
  glyph: string | null;
  gx: number;
  gy: number;
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
}

const CHAR_PX = 7;
const TOP = 8;

/** Lays out every panel of a logical shmoo. */
export function layoutShmoo(grid: ShmooGrid): SvgPanel[] {
  return grid.panels.map((panel) => layoutPanel(panel, grid.xName, grid.yName));
}

function layoutPanel(panel: GridPanel, xName: string | null, yName: string | null): SvgPanel {
  const ncols = panel.cols.length;
  const nrows = panel.rows.length;
  const cw = clamp(Math.floor(560 / ncols), 6, 44);
  const ch = clamp(Math.floor(360 / nrows), 6, 28);
  const yLabelChars = Math.max(0, ...panel.rows.map((r) => r.length));
  const left = (yName ? 22 : 6) + yLabelChars * CHAR_PX + 6;
  const plotH = nrows * ch;
  const bottom = (xName ? 40 : 10);
  const labels: SvgText[] = [];
  const xLabelChars = Math.max(1, ...panel.cols.map((c) => c.length));
  const xStep = Math.ceil((xLabelChars * CHAR_PX + 6) / cw);
  panel.cols.forEach((text, c) => {
    if (text !== '' && c % xStep === 0) {
      labels.push({ x: left + c * cw + cw / 2, y: TOP + plotH + 14, text, anchor: 'middle', transform: null });
    }
  });
  const yStep = Math.ceil(13 / ch);
  panel.rows.forEach((text, r) => {
    const drawn = nrows - 1 - r;
    if (text !== '' && r % yStep === 0) {
      labels.push({ x: left - 5, y: TOP + drawn * ch + ch / 2 + 4, text, anchor: 'end', transform: null });
    }
  });
  if (xName) labels.push({ x: left + (ncols * cw) / 2, y: TOP + plotH + 32, text: xName, anchor: 'middle', transform: null });
  if (yName) {
    const cy = TOP + plotH / 2;
    labels.push({ x: 12, y: cy, text: yName, anchor: 'middle', transform: `rotate(-90 12 ${cy})` });
  }
  const cells: SvgCell[] = [];
  for (const [key, points] of panel.cells) {
    const [r, c] = key.split(',').map(Number) as [number, number];
    const drawn = nrows - 1 - r;
    const w = (cw - 1) / points.length;
    points.forEach((p, i) => {
      const x = left + c * cw + i * w;
      const y = TOP + drawn * ch;
      const big = points.length === 1 && cw >= 16 && ch >= 14;
      cells.push({
        id: p.id, outcome: p.outcome, x: round(x), y, w: round(w), h: ch - 1, title: describeCell(p),
        glyph: big ? glyphOf(p.outcome) : null, gx: round(x + w / 2), gy: y + ch / 2 + 4,
      });
    });
  }
  cells.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    title: panel.title,
    width: left + ncols * cw + 12,
    height: TOP + plotH + bottom,
    frame: { x: left - 1, y: TOP - 1, w: ncols * cw + 1, h: plotH + 1 },
    cells,
    labels,
  };
}

/** The hover text of a cell: sub-run id, outcome, and its point. */
export function describeCell(p: ShmooPoint): string {
  const where = Object.entries(p.point).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${p.id}: ${p.outcome}${where ? ` (${where})` : ''}`;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
