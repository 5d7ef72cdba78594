// The shmoo as a text grid for report.md and the terminal: one character per point (its
// state, see CELL_STATES: upper case tested, lower case implied by the boundary), highest
// value on top, and `─` under the last passing row of each column where the boundary lies.

import { CELL_STATES, type CellState, type JudgedPanel, type JudgedShmoo } from './shmooCells.js';

/** A panel drawn as lines of text. */
export interface TextPanel {
  title: string | null;
  lines: string[];
}

const WIDE = 40;
const CHAR: Record<CellState, string> = Object.fromEntries(CELL_STATES.map((s) => [s.state, s.char])) as Record<CellState, string>;

/** Draws every panel of a judged shmoo as text. */
export function drawShmooText(judged: JudgedShmoo, xName: string | null, yName: string | null): TextPanel[] {
  return judged.panels.map((jp) => ({ title: jp.panel.title, lines: drawPanel(jp, xName, yName) }));
}

function drawPanel(jp: JudgedPanel, xName: string | null, yName: string | null): string[] {
  const { panel } = jp;
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
  const cells = new Map(jp.cells.map((c) => [`${c.row},${c.col}`, c]));
  // A boundary line is drawn between row r and r-1 where a column's edge is r (edges at 0 or at the top are not drawn).
  const edgeAt = new Map(jp.edges.filter((e) => e.edge > 0 && e.edge < panel.rows.length).map((e) => [e.col, e.edge]));
  for (let r = panel.rows.length - 1; r >= 0; r--) {
    const glyphs = panel.cols.map((_, c) => {
      const cell = cells.get(`${r},${c}`);
      const text = cell ? CHAR[cell.state] : ' ';
      return compact ? text : text.padStart(colWidth);
    });
    lines.push(`${(panel.rows[r] ?? '').padStart(rowHead)} | ${glyphs.join(compact ? '' : ' ')}`);
    const under = panel.cols.map((_, c) => (edgeAt.get(c) === r ? '─' : ' '));
    if (under.some((u) => u !== ' ')) {
      lines.push(`${' '.repeat(rowHead)} | ${under.map((u) => (compact ? u : u.repeat(colWidth))).join(compact ? '' : ' ')}`.trimEnd());
    }
  }
  return lines;
}
