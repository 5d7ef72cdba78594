// Metric limits of a flow step (SPEC §11): a pure verdict on the metrics a passing step
// reported. Bounds are inclusive, as OpenHTF's `in_range`: a value equal to `min` passes.

import type { DiagAdapter, MetricLimit, StepLimits } from '../config/schemas/index.js';

/** What the limits make of a step that otherwise passed. */
export type LimitVerdict =
  | { status: 'passed' }
  | { status: 'marginal'; reason: string }
  | { status: 'failed'; reason: string };

/**
 * Judges `metrics` against `limits`: a value outside [min, max], a non-numeric value, or a
 * metric not reported at all fails the step; a value inside the limits but outside
 * [marginal_min, marginal_max] makes it marginal. A per-instance metric (`instance_group`) is
 * judged on every `<metric>.<instance>` value. Every problem is named, the failures first.
 */
export function judgeLimits(metrics: Record<string, number | string>, limits: StepLimits | undefined, adapter: DiagAdapter): LimitVerdict {
  if (limits === undefined) return { status: 'passed' };
  const failures: string[] = [];
  const marginal: string[] = [];
  for (const [name, limit] of Object.entries(limits)) {
    const perInstance = adapter.metrics?.[name]?.instance_group !== undefined;
    const prefix = `${name}.`;
    const values = Object.entries(metrics).filter(([key]) => (perInstance ? key.startsWith(prefix) : key === name));
    if (values.length === 0) {
      failures.push(`metric ${name} not reported (limits ${describeLimit(limit)})`);
      continue;
    }
    for (const [key, value] of values) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        failures.push(`metric ${key} = ${JSON.stringify(value)} is not a number (limits ${describeLimit(limit)})`);
        continue;
      }
      const hard = outside(value, limit.min, limit.max, 'min', 'max');
      if (hard !== null) {
        failures.push(`metric ${key} = ${value} ${hard}`);
        continue;
      }
      const soft = outside(value, limit.marginal_min, limit.marginal_max, 'marginal_min', 'marginal_max');
      if (soft !== null) marginal.push(`metric ${key} = ${value} ${soft}`);
    }
  }
  if (failures.length > 0) return { status: 'failed', reason: `outside limits: ${failures.join('; ')}` };
  if (marginal.length > 0) return { status: 'marginal', reason: `marginal: ${marginal.join('; ')}` };
  return { status: 'passed' };
}

// Where a value falls outside [lo, hi] (inclusive), in words; null when inside.
function outside(value: number, lo: number | undefined, hi: number | undefined, loName: string, hiName: string): string | null {
  if (lo !== undefined && value < lo) return `is below ${loName} ${lo}`;
  if (hi !== undefined && value > hi) return `is above ${hiName} ${hi}`;
  return null;
}

/** The limits of one metric in one line, e.g. `min 20, marginal_min 25`. */
export function describeLimit(limit: MetricLimit): string {
  const keys = ['min', 'marginal_min', 'marginal_max', 'max'] as const;
  return keys.filter((k) => limit[k] !== undefined).map((k) => `${k} ${limit[k]}`).join(', ');
}
