// Test helper: a 50 × 48 grid (2,400 cells, above the compact drawing's threshold) whose
// outcomes show every kind of cell: Vmin rising with frequency, a marginal row above it, one
// error and one point never run. Shared by the report's and serve's large-shmoo tests.
import type { SubrunOutcome } from '../../src/report/outcome.js';

export const VOLTS = Array.from({ length: 50 }, (_, i) => 700 + 5 * i);
export const FREQS = Array.from({ length: 48 }, (_, i) => 1000 + 50 * i);
export const LARGE_AXES = [{ name: 'vcore_mv', values: VOLTS }, { name: 'freq_mhz', values: FREQS }];

export function outcomeAt(v: number, f: number): SubrunOutcome {
  const vmin = 750 + Math.floor((f - 1000) / 20);
  if (f === 1500 && v === 800) return 'error';
  if (f === 2000 && v === 900) return 'planned';
  if (v < vmin) return 'failed';
  if (v < vmin + 5) return 'marginal';
  return 'passed';
}
