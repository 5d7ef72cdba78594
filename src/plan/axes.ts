import type { Margin, RailSpec } from '../config/schemas/index.js';

/** One rail inside one target of a margin profile, with how many values it takes. */
export interface RailSetting {
  /** `default`, or the adapter name of an adapter-specific target. */
  target: string;
  rail: string;
  spec: RailSpec;
  /** Number of values, computed arithmetically (never by expanding). NaN when the spec is invalid. */
  count: number;
}

/** Why a sweep is invalid, or null; counts its values without generating them. */
export function sweepProblem(s: { start: number; stop: number; step: number }): string | null {
  if (s.step === 0) return 'sweep step is 0; it would never reach stop';
  if ((s.stop - s.start) * s.step < 0) {
    return `sweep step ${s.step} goes away from stop (start ${s.start}, stop ${s.stop}); use step ${-s.step}`;
  }
  return null;
}

/** Number of values of a rail spec: sweeps are inclusive of stop when a step lands on it. */
export function countValues(spec: RailSpec): number {
  if (spec.fixed !== undefined) return 1;
  if (spec.values !== undefined) return spec.values.length;
  if (spec.sweep !== undefined) {
    if (sweepProblem(spec.sweep) !== null) return NaN;
    const { start, stop, step } = spec.sweep;
    return Math.floor((stop - start) / step + 1e-9) + 1;
  }
  return NaN;
}

function decimalsOf(n: number): number {
  const text = String(n);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The values of a rail spec, in order; call only after the count was checked. */
export function expandValues(spec: RailSpec): number[] {
  if (spec.fixed !== undefined) return [spec.fixed];
  if (spec.values !== undefined) return [...spec.values];
  const sweep = spec.sweep;
  if (!sweep) return [];
  const n = countValues(spec);
  const decimals = Math.max(decimalsOf(sweep.start), decimalsOf(sweep.step));
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const value = Number((sweep.start + i * sweep.step).toFixed(decimals));
    out[i] = value === 0 ? 0 : value; // toFixed turns a tiny negative into "-0.00"
  }
  return out;
}

/** Every rail setting of a margin profile in declaration order (targets, then rails). */
export function listRailSettings(margin: Margin): RailSetting[] {
  const out: RailSetting[] = [];
  for (const [target, rails] of Object.entries(margin.targets)) {
    for (const [rail, spec] of Object.entries(rails)) out.push({ target, rail, spec, count: countValues(spec) });
  }
  return out;
}

/** The axes: rail settings with more than one value. They span the point set. */
export function listAxes(settings: RailSetting[]): RailSetting[] {
  return settings.filter((s) => s.count > 1);
}

/**
 * Number of margin points, computed arithmetically before anything is expanded:
 * grid multiplies the axis lengths, zip takes their common length. NaN when invalid.
 */
export function countPoints(margin: Margin): number {
  const settings = listRailSettings(margin);
  // Checked on every setting: an invalid spec (NaN) is never an axis, since NaN > 1 is false.
  if (settings.some((s) => Number.isNaN(s.count))) return NaN;
  const axes = listAxes(settings);
  if (axes.length === 0) return 1;
  if ((margin.combine ?? 'grid') === 'zip') {
    const lengths = new Set(axes.map((a) => a.count));
    return lengths.size === 1 ? axes[0]!.count : NaN;
  }
  return axes.reduce((product, a) => product * a.count, 1);
}
