// The logical shmoo: which sub-run sits in which panel, row and column. The two first swept
// axes span each panel (y = first, x = second), every further axis adds panels (one per
// combination of its values); one axis is a strip, none is a single cell. Values are the
// swept values before jitter (`point`), so cells line up on the grid.

import type { AxisView } from './runData.js';
import type { SubrunOutcome } from './outcome.js';

/** A sub-run placed on the plot. */
export interface ShmooPoint {
  id: string;
  outcome: SubrunOutcome;
  point: Record<string, number>;
}

/** One panel: rows (y values, ascending) × columns (x values, ascending). */
export interface GridPanel {
  title: string | null;
  /** The values of the further axes this panel holds (empty for the panel of off-axis points). */
  at: Record<string, number>;
  /** True for the last panel of sub-runs whose point is not on the swept axes. */
  offAxis: boolean;
  cols: string[];
  rows: string[];
  /** Sub-runs by cell key `row * cols.length + col` (usually one per cell; repeated points share a cell). */
  cells: Map<number, ShmooPoint[]>;
}

/** The whole logical plot. */
export interface ShmooGrid {
  kind: 'grid' | 'strip' | 'single';
  xName: string | null;
  yName: string | null;
  panelNames: string[];
  panels: GridPanel[];
}

/** Places every sub-run in a panel cell; points off the axes go to a last panel of their own. */
export function placeSubruns(axes: AxisView[], points: ShmooPoint[]): ShmooGrid {
  const kind = axes.length >= 2 ? 'grid' : axes.length === 1 ? 'strip' : 'single';
  const x = kind === 'grid' ? axes[1]! : kind === 'strip' ? axes[0]! : null;
  const y = kind === 'grid' ? axes[0]! : null;
  const extra = axes.slice(2);
  const panels = new Map<string, GridPanel>();
  for (const combo of listCombinations(extra)) {
    panels.set(combo.key, {
      title: combo.title,
      at: combo.at,
      offAxis: false,
      cols: x ? x.values.map(String) : [''],
      rows: y ? y.values.map(String) : [''],
      cells: new Map(),
    });
  }
  const xIndex = indexValues(x);
  const yIndex = indexValues(y);
  const unplaced: ShmooPoint[] = [];
  for (const p of points) {
    const key = extra.length === 0 ? '' : extra.map((a) => String(p.point[a.name])).join('|');
    const panel = panels.get(key);
    const col = x ? xIndex.get(p.point[x.name] as number) : 0;
    const row = y ? yIndex.get(p.point[y.name] as number) : 0;
    if (!panel || col === undefined || row === undefined) {
      unplaced.push(p);
      continue;
    }
    const cell = row * panel.cols.length + col;
    const list = panel.cells.get(cell);
    if (list) list.push(p);
    else panel.cells.set(cell, [p]);
  }
  const kept = [...panels.values()].filter((panel) => panel.cells.size > 0 || panels.size === 1);
  if (unplaced.length > 0) {
    kept.push({
      title: 'sub-runs whose point is not on the swept axes',
      at: {},
      offAxis: true,
      cols: unplaced.map(() => ''),
      rows: [''],
      cells: new Map(unplaced.map((p, i) => [i, [p]])),
    });
  }
  return { kind, xName: x?.name ?? null, yName: y?.name ?? null, panelNames: extra.map((a) => a.name), panels: kept };
}

function indexValues(axis: AxisView | null): Map<number, number> {
  return new Map((axis?.values ?? []).map((v, i) => [v, i]));
}

// Every combination of the further axes' values, in axis order (last varies fastest).
function listCombinations(axes: AxisView[]): { key: string; title: string | null; at: Record<string, number> }[] {
  let combos: { values: string[]; titles: string[]; at: Record<string, number> }[] = [{ values: [], titles: [], at: {} }];
  for (const axis of axes) {
    combos = combos.flatMap((c) => axis.values.map((v) => ({
      values: [...c.values, String(v)], titles: [...c.titles, `${axis.name} = ${v}`], at: { ...c.at, [axis.name]: v },
    })));
  }
  return combos.map((c) => ({ key: c.values.join('|'), title: c.titles.length > 0 ? c.titles.join(', ') : null, at: c.at }));
}

/**
 * Puts the searched rail first (the vertical axis) and the boundary's column axes next, so
 * each plotted column is one searched column; other axes keep their order. Unchanged when the
 * rail is not swept.
 */
export function orderAxesForBoundary(axes: AxisView[], rail: string | null): AxisView[] {
  const searched = axes.find((a) => a.name === rail);
  if (!searched) return axes;
  return [searched, ...axes.filter((a) => a !== searched)];
}
