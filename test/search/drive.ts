// Test helper: runs the engine against a part given as a function of the probe, the way the
// executor would, and returns the probe history.

import { boundaryOf, nextProbe } from '../../src/search/engine.js';
import { alwaysPassVoltage, FLAKY_BAND, makeSimulatedPart, simulateRun } from '../../src/search/simulatedPart.js';
import type { ProbeOutcome, ProbeRecord, ProbeRequest, SearchColumn, SearchSpec } from '../../src/search/types.js';

export type Part = (request: ProbeRequest) => ProbeOutcome;

export function drive(spec: SearchSpec, columns: SearchColumn[], part: Part, limit = 5_000): ProbeRecord[] {
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

/**
 * Mean probes per part and share of escaped columns of a strategy on flaky simulated parts
 * (64 × 16 lattice, the bench's part model) with seeds `first`…`last`; an escape is a column
 * whose confirmed Vmin lies below the part's always-pass voltage.
 */
export function scoreOnFlakyParts(s: SearchSpec, first: number, last: number): { probes: number; escapes: number } {
  const voltages = lattice(1200, -5, 64);
  const frequencies = Array.from({ length: 16 }, (_, i) => 1000 + 200 * i);
  const columns: SearchColumn[] = frequencies.map((f) => ({ key: `freq_mhz=${f}`, axes: { freq_mhz: f }, lattice: voltages }));
  let probes = 0;
  let escapes = 0;
  for (let seed = first; seed <= last; seed++) {
    const part = makeSimulatedPart(seed, frequencies, FLAKY_BAND);
    const history = drive(s, columns, (r) => simulateRun(part, r.column, Number(r.column.split('=')[1]), r.value, r.attempt));
    probes += history.length;
    boundaryOf(s, columns, history, 'R').columns.forEach((c, i) => {
      if (c.confirmed !== null && c.confirmed < alwaysPassVoltage(part, frequencies[i]!)) escapes++;
    });
  }
  const parts = last - first + 1;
  return { probes: probes / parts, escapes: escapes / (parts * frequencies.length) };
}
