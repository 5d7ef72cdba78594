// Test helper: runs the engine against a part given as a function of the probe, the way the
// executor would, and returns the probe history.

import { nextProbe } from '../../src/search/engine.js';
import type { ProbeOutcome, ProbeRecord, ProbeRequest, SearchColumn, SearchSpec } from '../../src/search/types.js';

export type Part = (request: ProbeRequest) => ProbeOutcome;

export function drive(spec: SearchSpec, columns: SearchColumn[], part: Part, limit = 100_000): ProbeRecord[] {
  const history: ProbeRecord[] = [];
  for (;;) {
    const request = nextProbe(spec, columns, history);
    if (request === null) return history;
    if (history.length >= limit) throw new Error(`search did not end within ${limit} probes`);
    history.push({ column: request.column, value: request.value, purpose: request.purpose, outcome: part(request), subrun_id: `s${history.length + 1}` });
  }
}

/** A lattice from `from` stepping by `step`, `count` values (rounded to avoid 0.1 + 0.2 artefacts). */
export function lattice(from: number, step: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((from + i * step).toPrecision(12)));
}

export function spec(overrides: Partial<SearchSpec> = {}): SearchSpec {
  return { rail: 'vcore_mv', direction: 'down', strategy: 'binary', resolution: 0, confirm: 1, retest: 0, guard_band: 0, ...overrides };
}

/** A monotone Vmin part: passes at and above vmin[column]. */
export function monotoneDown(vmin: Record<string, number>): Part {
  return ({ column, value }) => (value >= vmin[column]! ? 'pass' : 'fail');
}
