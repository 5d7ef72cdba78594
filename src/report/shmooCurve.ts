// The boundary-versus-column chart (Vmin against frequency, say): per panel, the raw,
// confirmed and guard-banded boundary of each searched column as three series, each with its
// own line style and marker shape so they read without colour. Geometry only; the template draws.

import type { BoundaryColumn } from '../search/types.js';
import type { JudgedPanel } from './shmooCells.js';

/** One series of the chart. */
export interface CurveSeries {
  key: 'raw' | 'confirmed' | 'guard_banded';
  label: string;
  /** Polyline path through the known points (broken where a column never passed). */
  path: string;
  markers: { x: number; y: number; title: string }[];
}

/** A chart ready to draw. */
export interface CurveChart {
  title: string | null;
  width: number;
  height: number;
  plot: { x: number; y: number; w: number; h: number };
  series: CurveSeries[];
  xTicks: { x: number; text: string }[];
  yTicks: { y: number; text: string }[];
  xName: string;
  yName: string;
}

const SERIES: { key: CurveSeries['key']; label: string }[] = [
  { key: 'raw', label: 'raw (last pass)' },
  { key: 'confirmed', label: 'confirmed' },
  { key: 'guard_banded', label: 'guard-banded (reported)' },
];

/** Charts each panel's boundary columns against the horizontal axis; null for a panel without two numeric columns. */
export function layoutCurves(panels: JudgedPanel[], xName: string | null, rail: string): CurveChart[] {
  const charts: CurveChart[] = [];
  if (xName === null) return charts;
  for (const jp of panels) {
    const cols = jp.panel.cols.map((text, i) => ({ x: Number(text), column: jp.columns[i] ?? null }))
      .filter((c): c is { x: number; column: BoundaryColumn } => c.column !== null && Number.isFinite(c.x));
    if (cols.length < 2) continue;
    charts.push(layoutChart(jp.panel.title, cols, xName, rail));
  }
  return charts;
}

function layoutChart(title: string | null, cols: { x: number; column: BoundaryColumn }[], xName: string, rail: string): CurveChart {
  const plot = { x: 56, y: 10, w: Math.max(260, Math.min(560, cols.length * 36)), h: 180 };
  const values = cols.flatMap((c) => SERIES.map((s) => c.column[s.key])).filter((v): v is number => v !== null);
  const xs = cols.map((c) => c.x);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yLo, yHi] = values.length > 0 ? padRange(Math.min(...values), Math.max(...values)) : [0, 1];
  const px = (x: number) => r2(plot.x + (xMax === xMin ? plot.w / 2 : ((x - xMin) / (xMax - xMin)) * plot.w));
  const py = (y: number) => r2(plot.y + plot.h - ((y - yLo) / (yHi - yLo)) * plot.h);
  const series = SERIES.map(({ key, label }) => {
    let path = '';
    let pen = false;
    const markers: CurveSeries['markers'] = [];
    for (const c of cols) {
      const v = c.column[key];
      if (v === null) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${px(c.x)} ${py(v)}`;
      pen = true;
      markers.push({ x: px(c.x), y: py(v), title: `${xName}=${c.x}: ${label} ${v}` });
    }
    return { key, label, path, markers };
  });
  const xEvery = Math.ceil(cols.length / Math.max(1, Math.floor(plot.w / 44)));
  return {
    title,
    width: plot.x + plot.w + 20,
    height: plot.y + plot.h + 44,
    plot,
    series,
    xTicks: cols.filter((_, i) => i % xEvery === 0).map((c) => ({ x: px(c.x), text: String(c.x) })),
    yTicks: niceTicks(yLo, yHi, 5).map((v) => ({ y: py(v), text: String(v) })),
    xName,
    yName: rail,
  };
}

function padRange(lo: number, hi: number): [number, number] {
  const span = hi - lo || Math.max(1, Math.abs(hi) * 0.05);
  return [lo - span * 0.1, hi + span * 0.1];
}

// Round tick values inside [lo, hi], about `count` of them.
function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

function r2(n: number): number {
  return Math.round(n * 100) / 100;
}
