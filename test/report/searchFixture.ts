// Hand-built search runs for the shmoo, export and diff tests: a simulated part (hard fail
// below Vmin(f), a flaky band above it where an attempt fails by a seeded draw) searched by a
// small binary search with confirm and retest, written as sub-runs plus the boundary.json a
// search run leaves (SPEC §10). The search here is only a fixture writer, not the engine.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoundaryColumn, BoundaryFile, PointVerdict } from '../../src/search/types.js';
import { writeRun, type SubrunSpec } from './builders.js';

export interface PartSpec {
  volts: number[];
  freqs: number[];
  vmin: (freq: number) => number;
  /** Width of the flaky band above Vmin (0: none). */
  band: number;
  seed: number;
  confirm: number;
  retest: number;
  guard: number;
}

/** A deterministic draw in [0, 1) from integers. */
function draw(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x & 0xffffffff), 16777619) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
  return (h >>> 8) / 16777216;
}

/** Runs the fixture search over every column and writes the run and its boundary.json. */
export async function writeSearchRun(root: string, part: PartSpec, runId?: string): Promise<{ runId: string; dir: string; boundary: BoundaryFile; subruns: SubrunSpec[] }> {
  const subruns: SubrunSpec[] = [];
  const columns: BoundaryColumn[] = [];
  for (const f of part.freqs) {
    const lattice = [...part.volts].sort((a, b) => b - a); // safe end (high) first
    const vmin = part.vmin(f);
    const tally = new Map<number, { passes: number; fails: number; first: number }>();
    const runPoint = (i: number, attempt: number): boolean => {
      const v = lattice[i]!;
      const passed = v >= vmin + part.band ? true : v < vmin ? false : draw(part.seed, f, v, attempt) >= 0.2;
      subruns.push({ point: { vcore_mv: v, freq_mhz: f }, status: passed ? 'passed' : 'failed', steps: [{ status: passed ? 'passed' : 'failed' }] });
      const t = tally.get(v) ?? { passes: 0, fails: 0, first: subruns.length - 1 };
      if (passed) t.passes += 1;
      else t.fails += 1;
      tally.set(v, t);
      return passed;
    };
    const judge = (i: number): boolean => {
      let attempt = 0;
      if (!runPoint(i, attempt++)) {
        for (let k = 0; k < part.retest; k++) runPoint(i, attempt++);
        return false;
      }
      for (let k = 1; k < part.confirm; k++) {
        if (!runPoint(i, attempt++)) {
          for (let r = 0; r < part.retest; r++) runPoint(i, attempt++);
          return false;
        }
      }
      return true;
    };
    let pass = judge(0) ? 0 : -1;
    let fail = lattice.length;
    if (pass === 0) {
      while (fail - pass > 1) {
        const mid = Math.floor((pass + fail) / 2);
        if (judge(mid)) pass = mid;
        else fail = mid;
      }
    } else fail = 0;
    const points = [...tally].map(([value, t]) => ({
      value, passes: t.passes, fails: t.fails,
      verdict: (t.passes > 0 && t.fails > 0 ? 'flaky' : t.fails > 0 ? 'fail' : 'pass') as PointVerdict,
    })).sort((a, b) => a.value - b.value);
    const lastPass = pass >= 0 ? lattice[pass]! : null;
    columns.push({
      axes: { freq_mhz: f }, raw: lastPass, confirmed: lastPass, guard_banded: lastPass === null ? null : lastPass + part.guard,
      last_pass: lastPass, first_fail: fail < lattice.length ? lattice[fail]! : null,
      probes: points.reduce((n, p) => n + p.passes + p.fails, 0), points,
      flaky: points.filter((p) => p.verdict === 'flaky').map((p) => p.value), holes: [],
    });
  }
  const run = await writeRun(root, { runId, axes: [{ name: 'vcore_mv', values: part.volts }, { name: 'freq_mhz', values: part.freqs }], subruns });
  const boundary: BoundaryFile = {
    format: 'road_runner.boundary/1', run_id: run.runId, rail: 'vcore_mv', direction: 'down', strategy: 'binary',
    resolution: part.volts[1]! - part.volts[0]!, guard_band: part.guard, columns,
  };
  await writeFile(join(run.dir, 'boundary.json'), JSON.stringify(boundary, null, 2));
  return { runId: run.runId, dir: run.dir, boundary, subruns };
}

/** The 64 × 16 part of the screenshots and tests: 700 … 1015 mV by 5, 1600 … 3100 MHz by 100. */
export function part64x16(overrides: Partial<PartSpec> = {}): PartSpec {
  return {
    volts: Array.from({ length: 64 }, (_, i) => 700 + 5 * i),
    freqs: Array.from({ length: 16 }, (_, i) => 1600 + 100 * i),
    vmin: (f) => 760 + Math.round(((f - 1600) / 100) * 11 / 5) * 5,
    band: 15, seed: 7, confirm: 2, retest: 2, guard: 20,
    ...overrides,
  };
}
