// Shared pieces of the "living with runs" tests: plans compared without what legitimately
// differs between two plannings, snapshots of a folder tree to prove nothing was touched,
// and a diagnostic that takes a moment so a run can be stopped between its sub-runs.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readEvents, readJson, type CliResult, type TestWorkspace } from '../run/workspace.js';

/** A diagnostic that sleeps about half a second, then passes. */
export const NAP_SCRIPT = '#!/bin/sh\n# takes a moment, then passes\nsleep 0.5\necho "napped"\nexit 0\n';

/** Adapter manifest for NAP_SCRIPT (saved in diags/ as `nap`). */
export const NAP_ADAPTER = { executable: 'nap', timeout_s: 30 };

/** A margin of `n` points on vcore_mv (950, 960, …), freq fixed. */
export function vcorePoints(n: number, seed = 3): Record<string, unknown> {
  return { global_seed: seed, targets: { default: { vcore_mv: { values: Array.from({ length: n }, (_, i) => 950 + 10 * i) }, freq_mhz: { fixed: 2000 } } } };
}

/** A plan (parsed plan.json) without run id, creation time, seed source, input paths and the run-id prefix of sub-run ids. */
export function withoutIdentity(plan: Record<string, any>): Record<string, any> {
  const { run_id: runId, created_at: _c, seed_source: _s, ...rest } = plan;
  return {
    ...rest,
    inputs: (plan.inputs as any[]).map(({ file: _f, ...i }) => i),
    subruns: (plan.subruns as any[]).map((s) => ({ ...s, id: String(s.id).replace(String(runId), '<RUN>') })),
  };
}

/** Every file under `dir` (not following links): relative path → size, mtime and content hash. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const st = lstatSync(full);
      const rel = path.relative(dir, full);
      if (st.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else {
        const hash = st.isFile() ? createHash('sha256').update(readFileSync(full)).digest('hex') : 'link';
        out[rel] = `${st.size} ${st.mtimeMs} ${hash}`;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The run id of a run folder. */
export function idOf(runFolder: string): string {
  return path.basename(runFolder);
}

/** plan.json and summary.json of a run folder. */
export function readRun(runFolder: string): { plan: Record<string, any>; summary: Record<string, any> } {
  return { plan: readJson(path.join(runFolder, 'plan.json')), summary: readJson(path.join(runFolder, 'summary.json')) };
}

/** step_start events of one sub-run (by its id) in the run's steps.ldjson. */
export function stepStartsOf(runFolder: string, subrunId: string): Record<string, any>[] {
  return readEvents(runFolder).filter((e) => e.event === 'step_start' && e.subrun_id === subrunId);
}

/** A CLI result shown in assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** `road_runner run` with exactly these options (plus --yes, --root and --host). */
export function runWith(ws: TestWorkspace, args: string[]): Promise<CliResult> {
  return ws.cli(['run', '--yes', ...args]);
}
