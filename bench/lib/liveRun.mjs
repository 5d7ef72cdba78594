// A synthetic run in the current layout (runs/<ID>/subruns/<ID>-sNN/steps.ldjson), written with
// road_runner's own record writers (dist/: openEventLog, writeJsonAtomic) and held "running"
// with the real run lock, so `serve` sees a live run of any size without running a step.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './workspaces.mjs';

export const LIVE_RUN_ID = 'rr-20240301T120000Z-a1b2c3';

const load = (rel) => import(pathToFileURL(join(ROOT, 'dist', rel)).href);

/**
 * Writes `subruns` sub-runs of `stepsPer` steps on a 125-row vcore × freq grid, about a quarter
 * failing, and takes the run lock. Returns { appendStep(i), release(), subrunIds }.
 */
export async function writeLiveRun(root, subruns, stepsPer) {
  const { openEventLog } = await load('records/eventLog.js');
  const { writeJsonAtomic } = await load('records/jsonFile.js');
  const { acquireRunLock } = await load('records/lock.js');
  const dir = join(root, 'runs', LIVE_RUN_ID);
  const ny = 125;
  const nx = Math.ceil(subruns / ny);
  const width = Math.max(2, String(subruns).length);
  const ids = Array.from({ length: subruns }, (_, i) => `${LIVE_RUN_ID}-s${String(i).padStart(width, '0')}`);
  const points = ids.map((_, i) => ({ vcore_mv: 700 + Math.floor(i / nx) * 4, freq_mhz: 1000 + (i % nx) * 10 }));
  const vcores = [...new Set(points.map((p) => p.vcore_mv))];
  const freqs = [...new Set(points.map((p) => p.freq_mhz))];
  mkdirSync(join(dir, 'subruns'), { recursive: true });
  const bounds = { rails: {}, params: {}, limits: {}, require_bounds_for_all_rails: false };
  writeJsonAtomic(join(dir, 'plan.json'), {
    format: 'road_runner.plan/1', run_id: LIVE_RUN_ID, created_at: '2024-03-01T12:00:00.000Z', seed: 1, seed_source: 'margin', flow: 'bench', margin: 'bench', combine: 'grid',
    profile: null, profile_reasons: [], bounds, rails: {},
    axes: [{ name: 'vcore_mv', target: 'default', rail: 'vcore_mv', values: vcores }, { name: 'freq_mhz', target: 'default', rail: 'freq_mhz', values: freqs }],
    inputs: [], subruns: ids.map((id, i) => ({ id, index: i, seed: i, point: points[i], margins: points[i], steps: [] })),
  });
  writeJsonAtomic(join(dir, 'summary.json'), {
    format: 'road_runner.run/1', run_id: LIVE_RUN_ID, status: 'planned', unit: 'SN-BENCH', seed: 1, flow: 'bench', margin: 'bench',
    started_at: '2024-03-01T12:00:00.000Z', ended_at: null, duration_ms: 0, dry_run: false, profile: null, profile_reasons: [], bounds,
    counts: { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 },
    subruns: ids.map((id, i) => ({ id, index: i, status: 'planned', point: points[i], margins: points[i] })), versions: {}, inputs: [],
  });
  const logs = new Map();
  const logOf = (i) => {
    let log = logs.get(i);
    if (!log) {
      for (const [k, l] of logs) { l.close(); logs.delete(k); }
      mkdirSync(join(dir, 'subruns', ids[i]), { recursive: true });
      log = openEventLog(join(dir, 'subruns', ids[i], 'steps.ldjson'));
      logs.set(i, log);
    }
    return log;
  };
  let clock = Date.parse('2024-03-01T12:00:00Z');
  const writeStep = (i, j, now = null) => {
    const failing = points[i].vcore_mv < 700 + (points[i].freq_mhz - 1000) / 4;
    const status = failing && j === stepsPer - 1 ? 'failed' : 'passed';
    const log = logOf(i);
    const ts = now ?? new Date((clock += 700)).toISOString();
    log.append({ ts, event: 'step_start', run_id: LIVE_RUN_ID, subrun_id: ids[i], index: j, step_id: `diag${j}`, adapter: 'cpu-smoke', argv: ['cpu-smoke'], margins: points[i], seed: i, log_name: `${String(j).padStart(2, '0')}_diag${j}.log` });
    log.append({ ts, event: 'step_end', run_id: LIVE_RUN_ID, subrun_id: ids[i], index: j, step_id: `diag${j}`, adapter: 'cpu-smoke', status, exit_code: status === 'passed' ? 0 : 1, signal: null, duration_ms: 300, metrics: { gflops: 10 + (i % 97) / 10 }, error: status === 'failed' ? 'MISCOMPARE' : null });
  };
  for (let i = 0; i < subruns - 1; i++) for (let j = 0; j < stepsPer; j++) writeStep(i, j);
  for (const l of logs.values()) l.close();
  logs.clear();
  const lock = await acquireRunLock(join(root, 'runs'), { run_id: LIVE_RUN_ID });
  let next = 0;
  return {
    steps: (subruns - 1) * stepsPer,
    /** Appends one more step to the last sub-run, now. */
    appendStep: () => writeStep(subruns - 1, next++, new Date().toISOString()),
    release: async () => {
      for (const l of logs.values()) l.close();
      await lock.release();
    },
  };
}
