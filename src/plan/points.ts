import type { Margin } from '../config/schemas/index.js';
import { countPoints, expandValues, listRailSettings } from './axes.js';
import { roundToDecimals } from './roundDecimal.js';
import { createPointSeeder, type JitterKey, type SeedAxis } from './seed.js';

/** One expanded margin point: rail values per target after jitter, and its seed. */
export interface MarginPoint {
  seed: number;
  /** The swept values before jitter: `rail` for the default target, `adapter:rail` otherwise. */
  point: Record<string, number>;
  /** target → rail → value, after jitter. */
  values: Record<string, Record<string, number>>;
}

/** A margin point split as a sub-run records it: default target, and per adapter. */
export interface PointParts {
  seed: number;
  point: Record<string, number>;
  /** Rails of the `default` target ({} when it has none). */
  margins: Record<string, number>;
  /** Adapter target → rail → value. */
  adapterMargins: Record<string, Record<string, number>>;
}

/** Gives the points of one margin profile by position, 0 to total - 1. */
export interface PointExpansion {
  total: number;
  /** The names of the targets with rails, in declaration order. */
  targets: string[];
  pointAt(index: number): PointParts;
}

/**
 * Prepares the expansion of a margin profile into its points, in the documented order: grid is
 * the cartesian product of the axes in declaration order (targets as written, rails as written
 * within a target) with the last axis varying fastest; zip takes the i-th value of every axis.
 * Each point's seed derives from the global seed and the point; jitter is applied after.
 * Callers must check countPoints() against the limit first: this really expands.
 */
export function preparePoints(margin: Margin, globalSeed: number): PointExpansion {
  const settings = listRailSettings(margin);
  const values = settings.map((s) => expandValues(s.spec));
  const total = countPoints(margin);
  const zip = (margin.combine ?? 'grid') === 'zip';
  const jitter = margin.jitter ?? {};
  // Axes (settings with more than one value) name the point and its seed; -1 for fixed rails.
  const axes: SeedAxis[] = [];
  const axisOf = settings.map((s, j) => (s.count > 1 ? axes.push({ key: `${s.target}.${s.rail}`, values: values[j]! }) - 1 : -1));
  const names = settings.map(axisName);
  const jitterKeys: JitterKey[] = [];
  const jitterOf = settings.map((s) => {
    const amplitude = jitter[s.rail]?.amplitude ?? 0;
    if (!(amplitude > 0)) return -1;
    jitterKeys.push({ key: `${s.target}.${s.rail}`, amplitude });
    return jitterKeys.length - 1;
  });
  const seeder = createPointSeeder(globalSeed, axes, jitterKeys);
  const picks = new Int32Array(settings.length);
  const axisPicks = new Int32Array(axes.length);
  const targets = [...new Set(settings.map((s) => s.target))];
  // A target without axes or jitter has the same values at every point: one frozen object is
  // shared by all of them (as the step list is): two objects fewer per point to allocate.
  const shared = new Map<string, Record<string, number>>();
  for (const target of targets) {
    const own = settings.map((s, j) => j).filter((j) => settings[j]!.target === target);
    if (own.some((j) => axisOf[j]! >= 0 || jitterOf[j]! >= 0)) continue;
    const rails: Record<string, number> = {};
    for (const j of own) rails[settings[j]!.rail] = normalizeZero(values[j]![0]!);
    shared.set(target, freeze(rails));
  }
  const sharedMargins = shared.get('default') ?? (targets.includes('default') ? null : freeze<Record<string, number>>({}));
  const adapterTargets = targets.filter((t) => t !== 'default');
  const sharedAdapterMargins = adapterTargets.every((t) => shared.has(t))
    ? freeze(Object.fromEntries(adapterTargets.map((t) => [t, shared.get(t)!])))
    : null;
  const varying = settings.map((s, j) => j).filter((j) => !shared.has(settings[j]!.target));
  return {
    total,
    targets,
    pointAt(index: number): PointParts {
      if (zip) pickZip(values, index, picks);
      else pickGrid(values, index, picks);
      for (let j = 0; j < settings.length; j++) if (axisOf[j]! >= 0) axisPicks[axisOf[j]!] = picks[j]!;
      const seed = seeder.seedOf(axisPicks);
      const point: Record<string, number> = {};
      const margins = sharedMargins ?? {};
      let adapterMargins = sharedAdapterMargins;
      if (adapterMargins === null) {
        adapterMargins = {};
        for (const t of adapterTargets) adapterMargins[t] = shared.get(t) ?? {};
      }
      for (const j of varying) {
        const s = settings[j]!;
        const base = values[j]![picks[j]!]!;
        if (axisOf[j]! >= 0) point[names[j]!] = base;
        const k = jitterOf[j]!;
        const offset = k >= 0 ? seeder.jitterOf(seed, k) : 0;
        const into = s.target === 'default' ? margins : adapterMargins[s.target]!;
        into[s.rail] = normalizeZero(offset === 0 ? base : roundToDecimals(base + offset, 9));
      }
      return { seed, point, margins, adapterMargins };
    },
  };
}

// Frozen, so that a consumer changing one sub-run's values fails instead of changing all.
function freeze<T extends object>(o: T): T {
  return Object.freeze(o);
}

// No -0 (toFixed turns a tiny negative into "-0.00").
function normalizeZero(n: number): number {
  return n === 0 ? 0 : n;
}

/** The points of a margin profile one by one (see preparePoints), with values per target. */
export function* expandPoints(margin: Margin, globalSeed: number): Generator<MarginPoint> {
  const expansion = preparePoints(margin, globalSeed);
  for (let i = 0; i < expansion.total; i++) {
    const p = expansion.pointAt(i);
    const values: Record<string, Record<string, number>> = {};
    for (const target of expansion.targets) values[target] = target === 'default' ? p.margins : p.adapterMargins[target]!;
    yield { seed: p.seed, point: p.point, values };
  }
}

/** How an axis is named in a sub-run's `point`: `rail`, or `adapter:rail` for an adapter target. */
export function axisName(s: { target: string; rail: string }): string {
  return s.target === 'default' ? s.rail : `${s.target}:${s.rail}`;
}

function pickZip(values: number[][], i: number, out: Int32Array): void {
  for (let j = 0; j < values.length; j++) out[j] = values[j]!.length > 1 ? i : 0;
}

// Mixed-radix decomposition of the point index; single-valued settings have radix 1.
function pickGrid(values: number[][], i: number, out: Int32Array): void {
  let rest = i;
  for (let j = values.length - 1; j >= 0; j--) {
    const n = values[j]!.length;
    out[j] = rest % n;
    rest = Math.floor(rest / n);
  }
}
