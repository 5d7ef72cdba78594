// The shmoo as a text grid for report.md: one glyph per sub-run, highest y value on top.

import { glyphOf } from './outcome.js';
import type { GridPanel, ShmooGrid } from './shmooGrid.js';

/** A panel drawn as lines of text. */
export interface TextPanel {
  title: string | null;
  lines: string[];
}

const WIDE = 40;

/** Draws every panel of a logical shmoo as text. */
export function drawShmooText(grid: ShmooGrid): TextPanel[] {
  return grid.panels.map((panel) => ({ title: panel.title, lines: drawPanel(panel, grid.xName, grid.yName) }));
}

function drawPanel(panel: GridPanel, xName: string | null, yName: string | null): string[] {
  const compact = panel.cols.length > WIDE;
  const colWidth = compact ? 1 : Math.max(1, ...panel.cols.map((c) => c.length));
  const rowHead = Math.max(yName?.length ?? 0, ...panel.rows.map((r) => r.length));
  const lines: string[] = [];
  if (xName) {
    const values = panel.cols;
    lines.push(compact
      ? `${' '.repeat(rowHead)}   ${xName}: ${values[0]} … ${values[values.length - 1]} (${values.length} values, ascending left to right)`
      : `${(yName ?? '').padStart(rowHead)} | ${xName}`);
    if (!compact) lines.push(`${' '.repeat(rowHead)} | ${values.map((v) => v.padStart(colWidth)).join(' ')}`);
    lines.push(`${'-'.repeat(rowHead)}-+-${'-'.repeat(compact ? values.length : values.length * (colWidth + 1) - 1)}`);
  }
  for (let r = panel.rows.length - 1; r >= 0; r--) {
    const glyphs = panel.cols.map((_, c) => {
      const points = panel.cells.get(`${r},${c}`) ?? [];
      const text = points.length === 0 ? ' ' : points.map((p) => glyphOf(p.outcome)).join('');
      return compact ? text.slice(0, 1) : text.padStart(colWidth);
    });
    lines.push(`${(panel.rows[r] ?? '').padStart(rowHead)} | ${glyphs.join(compact ? '' : ' ')}`);
  }
  return lines;
}
