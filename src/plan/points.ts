import type { Margin } from '../config/schemas/index.js';
import { countPoints, expandValues, listRailSettings, type RailSetting } from './axes.js';
import { deriveSubrunSeed, jitterOffset } from './seed.js';

/** One expanded margin point: rail values per target after jitter, and its seed. */
export interface MarginPoint {
  seed: number;
  /** The swept values before jitter: `rail` for the default target, `adapter:rail` otherwise. */
  point: Record<string, number>;
  /** target → rail → value, after jitter. */
  values: Record<string, Record<string, number>>;
}

/**
 * Expands a margin profile into its points, in the documented order: grid is the cartesian
 * product of the axes in declaration order (targets as written, rails as written within a
 * target) with the last axis varying fastest; zip takes the i-th value of every axis.
 * Each point's seed derives from the global seed and the point; jitter is applied after.
 * Callers must check countPoints() against the limit first: this really expands.
 */
export function* expandPoints(margin: Margin, globalSeed: number): Generator<MarginPoint> {
  const settings = listRailSettings(margin);
  const values = settings.map((s) => expandValues(s.spec));
  const total = countPoints(margin);
  const zip = (margin.combine ?? 'grid') === 'zip';
  const jitter = margin.jitter ?? {};
  for (let i = 0; i < total; i++) {
    const picked = zip ? pickZip(values, i) : pickGrid(values, i);
    const key: [string, number][] = [];
    const point: Record<string, number> = {};
    settings.forEach((s, j) => {
      if (s.count <= 1) return;
      key.push([`${s.target}.${s.rail}`, picked[j]!]);
      point[axisName(s)] = picked[j]!;
    });
    const seed = deriveSubrunSeed(globalSeed, key);
    yield { seed, point, values: assemble(settings, picked, jitter, seed) };
  }
}

/** How an axis is named in a sub-run's `point`: `rail`, or `adapter:rail` for an adapter target. */
export function axisName(s: { target: string; rail: string }): string {
  return s.target === 'default' ? s.rail : `${s.target}:${s.rail}`;
}

function pickZip(values: number[][], i: number): number[] {
  return values.map((v) => (v.length > 1 ? v[i]! : v[0]!));
}

// Mixed-radix decomposition of the point index; single-valued settings have radix 1.
function pickGrid(values: number[][], i: number): number[] {
  const out = new Array<number>(values.length);
  let rest = i;
  for (let j = values.length - 1; j >= 0; j--) {
    const v = values[j]!;
    out[j] = v[rest % v.length]!;
    rest = Math.floor(rest / v.length);
  }
  return out;
}

function assemble(
  settings: RailSetting[],
  picked: number[],
  jitter: NonNullable<Margin['jitter']>,
  seed: number,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  settings.forEach((s, j) => {
    const amplitude = jitter[s.rail]?.amplitude ?? 0;
    const base = picked[j]!;
    const offset = amplitude > 0 ? jitterOffset(seed, `${s.target}.${s.rail}`, amplitude) : 0;
    const moved = offset === 0 ? base : Number((base + offset).toFixed(9));
    (out[s.target] ??= {})[s.rail] = moved === 0 ? 0 : moved; // no -0 from toFixed
  });
  return out;
}
