// A synthetic finished run (no diagnostic ever ran) for benchmarking export and report:
// plan.json, summary.json, sysinfo.json, steps.ldjson and the logs of the first sub-runs.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_ID = 'rr-20240131T120000Z-b3c4d5';

/**
 * Writes run RUN_ID under root/runs: `subruns` sub-runs on a 125-row grid, `stepsPer` steps each,
 * about a quarter failing. Returns { ldjsonBytes, planBytes }.
 */
export function writeSyntheticRun(root, subruns, stepsPer) {
  const dir = join(root, 'runs', RUN_ID);
  mkdirSync(dir, { recursive: true });
  const ny = 125;
  const nx = Math.ceil(subruns / ny);
  const vcore = Array.from({ length: ny }, (_, i) => 700 + i * 4);
  const freq = Array.from({ length: nx }, (_, i) => 1000 + i * 10);
  const width = Math.max(2, String(subruns).length);
  const ids = Array.from({ length: subruns }, (_, i) => `${RUN_ID}-s${String(i + 1).padStart(width, '0')}`);
  const fd = openSync(join(dir, 'steps.ldjson'), 'w');
  let buffer = '';
  let ldjsonBytes = 0;
  const flush = () => { ldjsonBytes += Buffer.byteLength(buffer); writeSync(fd, buffer); buffer = ''; };
  const planSubruns = [];
  const summarySubruns = [];
  const counts = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
  let clock = Date.parse('2024-01-31T12:00:00Z');
  for (let i = 0; i < subruns; i++) {
    const point = { vcore_mv: vcore[Math.floor(i / nx)], freq_mhz: freq[i % nx] };
    const margins = { vcore_mv: point.vcore_mv + (i % 5) - 2, freq_mhz: point.freq_mhz };
    const failing = point.vcore_mv < 700 + point.freq_mhz / 10 - 100 + 50;
    const steps = [];
    let worst = 'passed';
    for (let j = 1; j <= stepsPer; j++) {
      const stepId = `diag${j}`;
      const logName = `${String(j).padStart(2, '0')}_${stepId}.log`;
      const params = { iterations: 1000 * j, pattern: j % 2 ? 'walk' : 'random' };
      const argv = ['diags/cpu-smoke', '--mode', 'smoke', '--iterations', String(params.iterations), '--pattern', params.pattern];
      steps.push({ index: j, step_id: stepId, adapter: 'cpu-smoke', params, argv, timeout_s: 120, on_fail: 'continue', expansion: 1, expansions: 1, log_name: logName });
      const status = failing && j === stepsPer ? (i % 7 === 0 ? 'timeout' : 'failed') : 'passed';
      if (status !== 'passed') worst = status;
      counts[status] += 1;
      const ts = new Date((clock += 700)).toISOString();
      const end = new Date((clock += 300)).toISOString();
      buffer += `${JSON.stringify({ ts, event: 'step_start', run_id: RUN_ID, subrun_id: ids[i], index: j, step_id: stepId, adapter: 'cpu-smoke', argv, params, margins, seed: i * 31 + j, log_name: logName })}\n`;
      buffer += `${JSON.stringify({ ts: end, event: 'step_end', run_id: RUN_ID, subrun_id: ids[i], index: j, step_id: stepId, adapter: 'cpu-smoke', status, exit_code: status === 'passed' ? 0 : status === 'failed' ? 1 : null, signal: status === 'timeout' ? 'SIGKILL' : null, started_at: ts, ended_at: end, duration_ms: 300, metrics: { gflops: 10 + (i % 97) / 10, errors: status === 'failed' ? 3 : 0 }, error: status === 'failed' ? 'MISCOMPARE at 0xdeadbeef' : status === 'timeout' ? 'timed out after 120 s' : null })}\n`;
      if (i < 200) {
        mkdirSync(join(dir, ids[i], 'stderr'), { recursive: true });
        mkdirSync(join(dir, ids[i], 'stdout'), { recursive: true });
        writeFileSync(join(dir, ids[i], 'stdout', logName), `pass 1\npass 2\ngflops=12.5\n${status === 'failed' ? 'MISCOMPARE\n' : ''}`);
        writeFileSync(join(dir, ids[i], 'stderr', logName), status === 'passed' ? '' : 'error: data mismatch at 0xdeadbeef\n');
      }
    }
    if (buffer.length > 1 << 20) flush();
    planSubruns.push({ id: ids[i], index: i + 1, seed: i * 31, point, margins, adapter_margins: {}, steps });
    summarySubruns.push({ id: ids[i], index: i + 1, status: worst === 'passed' ? 'passed' : 'failed', point, margins });
  }
  flush();
  closeSync(fd);
  const bounds = { rails: { vcore_mv: { min: 650, max: 1300, min_source: 'policy/safety.yaml', max_source: 'policy/safety.yaml' } }, params: {}, limits: { max_subruns: 100000, max_subruns_source: 'bench' }, require_bounds_for_all_rails: true };
  const plan = {
    format: 'road_runner.plan/1', run_id: RUN_ID, created_at: '2024-01-31T12:00:00.000Z', seed: 42, seed_source: 'margin', flow: 'bench', margin: 'bench', combine: 'grid',
    profile: null, profile_reasons: [], bounds, rails: {},
    axes: [{ name: 'vcore_mv', target: 'default', rail: 'vcore_mv', values: vcore }, { name: 'freq_mhz', target: 'default', rail: 'freq_mhz', values: freq }],
    inputs: [], subruns: planSubruns,
  };
  const planText = `${JSON.stringify(plan, null, 2)}\n`;
  writeFileSync(join(dir, 'plan.json'), planText);
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({
    format: 'road_runner.run/1', run_id: RUN_ID, status: 'failed', unit: 'SN-BENCH', seed: 42, flow: 'bench', margin: 'bench',
    started_at: '2024-01-31T12:00:00.000Z', ended_at: new Date(clock).toISOString(), duration_ms: clock - Date.parse('2024-01-31T12:00:00Z'), dry_run: false, exit_code: 1,
    profile: null, profile_reasons: [], host: { origin: 'bench', hostname: 'bench', arch: 'x86_64' }, bounds, counts, subruns: summarySubruns,
    versions: { road_runner: 'bench' }, inputs: [], reason: null,
  }, null, 2)}\n`);
  writeFileSync(join(dir, 'sysinfo.json'), JSON.stringify({ collected_at: '2024-01-31T11:59:59Z', raw: { lscpu: 'x', uname: 'Linux bench' }, cpu: { brand: 'Bench' } }));
  return { ldjsonBytes, planBytes: Buffer.byteLength(planText) };
}
