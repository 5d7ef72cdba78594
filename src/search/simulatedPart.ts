// A simulated part for benchmarks and stub diagnostics: its true Vmin per frequency is known,
// so a search can be scored. Below Vmin(f) every run fails; in a band just above it each run
// fails with a fixed probability, drawn from the probe's own seed (probeSeed), so repeats of a
// point are independent draws and the whole run is reproducible; above the band it always passes.

import { hashToUnit } from '../plan/seed.js';
import { probeSeed } from './probeSeed.js';
import type { ProbeOutcome } from './types.js';

export interface SimulatedPartOptions {
  /** Width of the flaky band above Vmin (mV); 0 for a clean part. */
  bandMv: number;
  /** Chance that one run inside the band fails. */
  bandFailProbability: number;
}

export interface SimulatedPart {
  seed: number;
  /** True Vmin (mV) of each frequency: every run below it fails. */
  vmin: ReadonlyMap<number, number>;
  options: SimulatedPartOptions;
}

/** The part: a 15 mV band where each attempt fails with probability 0.2. */
export const FLAKY_BAND: SimulatedPartOptions = { bandMv: 15, bandFailProbability: 0.2 };

const partPrefix = 'road_runner/simulated-part/v1|';

/**
 * A part whose Vmin rises with frequency: from 880–940 mV at the lowest frequency by 60–180 mV
 * at the highest (a convex curve), with ±5 mV of scatter per frequency, all drawn from `seed`.
 */
export function makeSimulatedPart(seed: number, frequencies: readonly number[], options: SimulatedPartOptions): SimulatedPart {
  const draw = (name: string): number => hashToUnit(`${partPrefix}${seed}|${name}`);
  const base = 880 + 60 * draw('base');
  const span = 60 + 120 * draw('span');
  const low = Math.min(...frequencies);
  const high = Math.max(...frequencies);
  const vmin = new Map<number, number>();
  for (const f of frequencies) {
    const x = high === low ? 0 : (f - low) / (high - low);
    vmin.set(f, base + span * x ** 1.5 + 10 * (draw(`scatter|${f}`) - 0.5));
  }
  return { seed, vmin, options };
}

/** The lowest voltage from which every run passes: Vmin plus the flaky band. */
export function alwaysPassVoltage(part: SimulatedPart, frequency: number): number {
  return vminOf(part, frequency) + part.options.bandMv;
}

/**
 * One run of the part at (frequency, voltage), attempt `attempt` of that point: the draw inside
 * the band comes from probeSeed(part seed, column, voltage, attempt).
 */
export function simulateRun(part: SimulatedPart, column: string, frequency: number, voltage: number, attempt: number): ProbeOutcome {
  const vmin = vminOf(part, frequency);
  if (voltage < vmin) return 'fail';
  if (voltage >= vmin + part.options.bandMv) return 'pass';
  const unit = probeSeed(part.seed, column, voltage, attempt) / 2 ** 32;
  return unit < part.options.bandFailProbability ? 'fail' : 'pass';
}

function vminOf(part: SimulatedPart, frequency: number): number {
  const vmin = part.vmin.get(frequency);
  if (vmin === undefined) throw new Error(`the simulated part has no frequency ${frequency}`);
  return vmin;
}
