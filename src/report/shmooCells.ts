// What each shmoo cell means for the margin: the verdict of its point (pass, marginal, fail,
// flaky "failed k of n", error, or untested), the cells a boundary implies without a probe
// (inferred, drawn hatched), and where the boundary lies in each column. The searched rail is
// the vertical axis (rows, ascending values); each plotted column is one searched column.

import type { BoundaryColumn, BoundaryFile } from '../search/types.js';
import { columnKey } from '../records/boundaryRead.js';
import type { SubrunOutcome } from './outcome.js';
import type { GridPanel, ShmooGrid, ShmooPoint } from './shmooGrid.js';

/** What a cell shows. */
export type CellState = 'pass' | 'marginal' | 'fail' | 'flaky' | 'error' | 'inferred-pass' | 'inferred-fail' | 'untested';

/** Every state in legend order, with its label and its character in the text shmoo. */
export const CELL_STATES: readonly { state: CellState; label: string; char: string }[] = [
  { state: 'pass', label: 'pass', char: 'P' },
  { state: 'marginal', label: 'marginal (passed; metric in its marginal band or new corrected errors)', char: 'M' },
  { state: 'flaky', label: 'flaky (both passed and failed: failed k of n)', char: '~' },
  { state: 'fail', label: 'fail (failed, timed out or crashed)', char: 'F' },
  { state: 'error', label: 'error (could not judge: step error, aborted, interrupted)', char: 'E' },
  { state: 'inferred-pass', label: 'not probed, pass implied by the boundary', char: 'p' },
  { state: 'inferred-fail', label: 'not probed, fail implied by the boundary', char: 'f' },
  { state: 'untested', label: 'untested', char: '·' },
];

/** One cell: its position, state, and the sub-runs that ran its point. */
export interface JudgedCell {
  row: number;
  col: number;
  state: CellState;
  /** Sub-runs at this point, in run order (empty for inferred and never-planned cells). */
  points: ShmooPoint[];
  passes: number;
  fails: number;
}

/** The boundary of one plotted column. */
export interface ColumnEdge {
  col: number;
  /**
   * Where the line runs, in row units from the bottom of the panel (0 … rows): the border
   * between the last passing row and the first failing one.
   */
  edge: number;
  /** True when the column never failed (or never passed) inside the lattice: the edge is at its end. */
  atEnd: boolean;
  lastPass: number | null;
  firstFail: number | null;
}

/** A panel with its cells judged. */
export interface JudgedPanel {
  panel: GridPanel;
  cells: JudgedCell[];
  edges: ColumnEdge[];
  /** The boundary.json columns of this panel in plotted column order (null where none). */
  columns: (BoundaryColumn | null)[];
}

/** Where the boundary came from: boundary.json, read off the grid by the report, or nowhere. */
export type EdgeSource = 'boundary.json' | 'grid' | 'none';

/** The judged shmoo. */
export interface JudgedShmoo {
  panels: JudgedPanel[];
  direction: 'down' | 'up' | null;
  source: EdgeSource;
}

const PASS_LIKE: ReadonlySet<SubrunOutcome> = new Set(['passed', 'marginal']);
const FAIL_LIKE: ReadonlySet<SubrunOutcome> = new Set(['failed', 'timeout', 'crashed']);

/** The state of a point from the outcomes of the sub-runs that ran it (a crash counts as a fail, SPEC §10). */
export function judgePoint(points: readonly ShmooPoint[]): { state: CellState; passes: number; fails: number } {
  let passes = 0;
  let fails = 0;
  let marginal = false;
  let errors = 0;
  for (const p of points) {
    if (PASS_LIKE.has(p.outcome)) passes += 1;
    else if (FAIL_LIKE.has(p.outcome)) fails += 1;
    else if (p.outcome !== 'planned') errors += 1;
    if (p.outcome === 'marginal') marginal = true;
  }
  const state: CellState = passes > 0 && fails > 0 ? 'flaky' : fails > 0 ? 'fail' : passes > 0 ? (marginal ? 'marginal' : 'pass') : errors > 0 ? 'error' : 'untested';
  return { state, passes, fails };
}

/**
 * Judges every panel. With a boundary, its columns place the line and imply the untested
 * cells; without one, the line is read off the tested cells of a grid whose vertical axis is
 * the searched rail (`gridDirection`: which end is safe), and nothing is inferred.
 */
export function judgeShmoo(grid: ShmooGrid, boundary: BoundaryFile | null): JudgedShmoo {
  const searchedIsY = grid.kind === 'grid' && (boundary === null || grid.yName === boundary.rail);
  const judged = grid.panels.map((panel) => ({ panel, cells: judgeCells(panel), edges: [] as ColumnEdge[], columns: panel.cols.map(() => null as BoundaryColumn | null) }));
  if (!searchedIsY) return { panels: judged, direction: boundary?.direction ?? null, source: 'none' };
  if (boundary) {
    const byKey = new Map(boundary.columns.map((c) => [columnKey(c.axes), c]));
    for (const jp of judged) {
      if (jp.panel.offAxis) continue;
      const byColumn = groupByColumn(jp.cells);
      jp.panel.cols.forEach((colText, c) => {
        const axes: Record<string, number> = { ...jp.panel.at };
        if (grid.xName !== null) axes[grid.xName] = Number(colText);
        const column = byKey.get(columnKey(axes)) ?? null;
        jp.columns[c] = column;
        if (column) {
          inferCells(jp, c, byColumn.get(c) ?? [], column, boundary.direction);
          jp.edges.push(placeEdge(jp.panel, c, column.last_pass, column.first_fail, boundary.direction));
        }
      });
    }
    return { panels: judged, direction: boundary.direction, source: 'boundary.json' };
  }
  const direction = guessDirection(judged);
  for (const jp of judged) {
    if (jp.panel.offAxis) continue;
    const byColumn = groupByColumn(jp.cells);
    jp.panel.cols.forEach((_, c) => {
      const read = readColumnEdge(jp, byColumn.get(c) ?? [], direction);
      if (read) jp.edges.push(placeEdge(jp.panel, c, read.lastPass, read.firstFail, direction));
    });
  }
  return { panels: judged, direction, source: 'grid' };
}

function groupByColumn(cells: JudgedCell[]): Map<number, JudgedCell[]> {
  const byColumn = new Map<number, JudgedCell[]>();
  for (const cell of cells) {
    const list = byColumn.get(cell.col);
    if (list) list.push(cell);
    else byColumn.set(cell.col, [cell]);
  }
  return byColumn;
}

function judgeCells(panel: GridPanel): JudgedCell[] {
  const cells: JudgedCell[] = [];
  const ncols = panel.cols.length;
  for (const [key, points] of panel.cells) {
    const { state, passes, fails } = judgePoint(points);
    cells.push({ row: Math.floor(key / ncols), col: key % ncols, state, passes, fails, points });
  }
  return cells;
}

// Untested cells on the safe side of the last pass are implied passes, those past the first fail implied fails.
function inferCells(jp: JudgedPanel, col: number, columnCells: JudgedCell[], column: BoundaryColumn, direction: 'down' | 'up'): void {
  const sign = direction === 'down' ? 1 : -1; // safer = larger value when searching down
  const taken = new Map(columnCells.map((c) => [c.row, c]));
  jp.panel.rows.forEach((text, row) => {
    const value = Number(text);
    const cell = taken.get(row);
    if (cell && cell.state !== 'untested') return;
    let state: CellState | null = null;
    if (column.last_pass !== null && sign * (value - column.last_pass) > 0) state = 'inferred-pass';
    else if (column.first_fail !== null && sign * (value - column.first_fail) < 0) state = 'inferred-fail';
    if (state === null) return;
    if (cell) cell.state = state;
    else jp.cells.push({ row, col, state, points: [], passes: 0, fails: 0 });
  });
}

/** Places a column's line from its last pass and first fail (values of the searched rail). */
export function placeEdge(panel: GridPanel, col: number, lastPass: number | null, firstFail: number | null, direction: 'down' | 'up'): ColumnEdge {
  const values = panel.rows.map(Number);
  const n = values.length;
  // Rows hold ascending values: `below(v)` counts the rows whose value is under v.
  const below = (v: number) => values.filter((x) => x < v).length;
  const upTo = (v: number) => values.filter((x) => x <= v).length;
  const edge = direction === 'down'
    ? (lastPass !== null ? below(lastPass) : n)
    : (lastPass !== null ? upTo(lastPass) : 0);
  const atEnd = lastPass === null || firstFail === null;
  return { col, edge, atEnd, lastPass, firstFail };
}

// The grid's safe end is where more cells pass: compare the upper half of the rows with the lower half.
function guessDirection(panels: JudgedPanel[]): 'down' | 'up' {
  let score = 0;
  for (const jp of panels) {
    const half = jp.panel.rows.length / 2;
    for (const cell of jp.cells) {
      const good = cell.state === 'pass' || cell.state === 'marginal' ? 1 : cell.state === 'fail' || cell.state === 'flaky' ? -1 : 0;
      score += cell.row + 0.5 >= half ? good : -good;
    }
  }
  return score >= 0 ? 'down' : 'up';
}

// Walks a grid column from its safe end: the last pass before the first fail or flaky point.
function readColumnEdge(jp: JudgedPanel, columnCells: JudgedCell[], direction: 'down' | 'up'): { lastPass: number | null; firstFail: number | null } | null {
  const byRow = new Map(columnCells.map((c) => [c.row, c]));
  if (![...byRow.values()].some((c) => c.state !== 'untested')) return null;
  const rows = jp.panel.rows.map((_, i) => i);
  if (direction === 'down') rows.reverse();
  let lastPass: number | null = null;
  for (const row of rows) {
    const state = byRow.get(row)?.state;
    if (state === 'fail' || state === 'flaky') return { lastPass, firstFail: Number(jp.panel.rows[row]) };
    if (state === 'pass' || state === 'marginal') lastPass = Number(jp.panel.rows[row]);
  }
  return { lastPass, firstFail: null };
}
