// A synthetic finished run (no diagnostic ever ran) for benchmarking export and report:
// plan.json, summary.json, sysinfo.json, and per sub-run its events and summary, with the logs
// of the first sub-runs. By default in the current layout (SPEC §5.3):
//   runs/<ID>/subruns/<ID>-sNN/{steps.ldjson, summary.json, stdout/, stderr/}, numbered from 00;
// with { layout: 'flat' } in the earlier one (one run-level steps.ldjson, sub-run folders in the
// run folder, numbered from 01). Names and lines come from the records' own helpers in dist/.

import { closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { RECORD_DIRS, RECORD_FILES, stepLogName, subrunFolder, subrunId } = await import(pathToFileURL(join(ROOT, 'dist/records/layout.js')).href);
const { formatEventLine } = await import(pathToFileURL(join(ROOT, 'dist/records/eventLog.js')).href);
const { writePlanFile } = await import(pathToFileURL(join(ROOT, 'dist/records/planFile.js')).href);

export const RUN_ID = 'rr-20240131T120000Z-b3c4d5';

/**
 * Writes run RUN_ID under root/runs: `subruns` sub-runs on a 125-row grid, `stepsPer` steps each,
 * about a quarter failing. `options.layout`: 'subruns' (default, SPEC §5.3) or 'flat' (earlier).
 * Returns { ldjsonBytes, planBytes, layout }.
 */
export function writeSyntheticRun(root, subruns, stepsPer, options = {}) {
  const layout = options.layout ?? 'subruns';
  if (layout !== 'subruns' && layout !== 'flat') throw new Error(`unknown layout ${layout}`);
  const flat = layout === 'flat';
  const dir = join(root, 'runs', RUN_ID);
  mkdirSync(dir, { recursive: true });
  const ny = 125;
  const nx = Math.ceil(subruns / ny);
  const vcore = Array.from({ length: ny }, (_, i) => 700 + i * 4);
  const freq = Array.from({ length: nx }, (_, i) => 1000 + i * 10);
  // Earlier layout: numbered from 1; current: from 0 (subrunId pads to the width the count needs).
  const ids = Array.from({ length: subruns }, (_, i) => (flat
    ? `${RUN_ID}-s${String(i + 1).padStart(Math.max(2, String(subruns).length), '0')}`
    : subrunId(RUN_ID, i, subruns)));
  const folderOf = (id) => (flat ? join(dir, id) : subrunFolder(dir, id));
  const runFd = flat ? openSync(join(dir, RECORD_FILES.steps), 'w') : null;
  let buffer = '';
  let ldjsonBytes = 0;
  const flush = () => { ldjsonBytes += Buffer.byteLength(buffer); writeSync(runFd, buffer); buffer = ''; };
  const planSubruns = [];
  const summarySubruns = [];
  const counts = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
  let clock = Date.parse('2024-01-31T12:00:00Z');
  const sharedSteps = []; // every sub-run runs the same steps, one list as in a plan
  for (let i = 0; i < subruns; i++) {
    const id = ids[i];
    const sub = folderOf(id);
    if (!flat || i < 200) mkdirSync(sub, { recursive: true });
    const point = { vcore_mv: vcore[Math.floor(i / nx)], freq_mhz: freq[i % nx] };
    const margins = { vcore_mv: point.vcore_mv + (i % 5) - 2, freq_mhz: point.freq_mhz };
    const failing = point.vcore_mv < 700 + point.freq_mhz / 10 - 100 + 50;
    const steps = i === 0 ? sharedSteps : null;
    const stepRecords = [];
    const subCounts = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0 };
    let lines = '';
    let worst = 'passed';
    const subStart = new Date(clock + 700).toISOString();
    for (let j = 1; j <= stepsPer; j++) {
      const index = flat ? j : j - 1;
      const stepId = `diag${j}`;
      const logName = flat ? `${String(j).padStart(2, '0')}_${stepId}.log` : stepLogName(index, stepId, undefined, stepsPer);
      const params = { iterations: 1000 * j, pattern: j % 2 ? 'walk' : 'random' };
      const argv = ['diags/cpu-smoke', '--mode', 'smoke', '--iterations', String(params.iterations), '--pattern', params.pattern];
      steps?.push({ index, step_id: stepId, adapter: 'cpu-smoke', params, argv, timeout_s: 120, on_fail: 'continue', expansion: 1, expansions: 1, log_name: logName });
      const status = failing && j === stepsPer ? (i % 7 === 0 ? 'timeout' : 'failed') : 'passed';
      if (status !== 'passed') worst = 'failed';
      counts[status] += 1;
      subCounts[status] += 1;
      const ts = new Date((clock += 700)).toISOString();
      const end = new Date((clock += 300)).toISOString();
      const exitCode = status === 'passed' ? 0 : status === 'failed' ? 1 : null;
      const signal = status === 'timeout' ? 'SIGKILL' : null;
      const metrics = { gflops: 10 + (i % 97) / 10, errors: status === 'failed' ? 3 : 0 };
      const error = status === 'failed' ? 'MISCOMPARE at 0xdeadbeef' : status === 'timeout' ? 'timed out after 120 s' : null;
      lines += formatEventLine({ ts, event: 'step_start', run_id: RUN_ID, subrun_id: id, index, step_id: stepId, adapter: 'cpu-smoke', argv, params, margins, seed: i * 31 + j, log_name: logName });
      lines += formatEventLine({ ts: end, event: 'step_end', run_id: RUN_ID, subrun_id: id, index, step_id: stepId, adapter: 'cpu-smoke', status, exit_code: exitCode, signal, started_at: ts, ended_at: end, duration_ms: 300, metrics, error });
      stepRecords.push({ index, step_id: stepId, adapter: 'cpu-smoke', status, exit_code: exitCode, signal, duration_ms: 300, started_at: ts, ended_at: end, metrics, error, log_name: logName });
      if (i < 200) {
        mkdirSync(join(sub, RECORD_DIRS.stderr), { recursive: true });
        mkdirSync(join(sub, RECORD_DIRS.stdout), { recursive: true });
        writeFileSync(join(sub, RECORD_DIRS.stdout, logName), `pass 1\npass 2\ngflops=12.5\n${status === 'failed' ? 'MISCOMPARE\n' : ''}`);
        writeFileSync(join(sub, RECORD_DIRS.stderr, logName), status === 'passed' ? '' : 'error: data mismatch at 0xdeadbeef\n');
      }
    }
    const subStatus = worst === 'passed' ? 'passed' : 'failed';
    if (flat) {
      buffer += lines;
      if (buffer.length > 1 << 20) flush();
    } else {
      ldjsonBytes += Buffer.byteLength(lines);
      writeFileSync(join(sub, RECORD_FILES.steps), lines);
      writeFileSync(join(sub, RECORD_FILES.summary), `${JSON.stringify({
        format: 'road_runner.subrun/1', id, run_id: RUN_ID, index: i, status: subStatus, seed: i * 31, point, margins, adapter_margins: {},
        started_at: subStart, ended_at: new Date(clock).toISOString(), duration_ms: stepsPer * 300, counts: subCounts, steps: stepRecords,
        reason: subStatus === 'failed' ? 'a step failed' : null, health: null, purpose: 'grid',
      }, null, 2)}\n`);
    }
    planSubruns.push({ id, index: flat ? i + 1 : i, seed: i * 31, point, margins, adapter_margins: {}, steps: sharedSteps });
    summarySubruns.push({ id, index: flat ? i + 1 : i, status: subStatus, point, margins });
  }
  if (flat) {
    flush();
    closeSync(runFd);
  }
  const bounds = { rails: { vcore_mv: { min: 650, max: 1300, min_source: 'policy/safety.yaml', max_source: 'policy/safety.yaml' } }, params: {}, limits: { max_subruns: 100000, max_subruns_source: 'bench' }, require_bounds_for_all_rails: true };
  const plan = {
    format: 'road_runner.plan/1', run_id: RUN_ID, created_at: '2024-01-31T12:00:00.000Z', seed: 42, seed_source: 'margin', flow: 'bench', margin: 'bench', combine: 'grid',
    profile: null, profile_reasons: [], bounds, rails: {},
    axes: [{ name: 'vcore_mv', target: 'default', rail: 'vcore_mv', values: vcore }, { name: 'freq_mhz', target: 'default', rail: 'freq_mhz', values: freq }],
    inputs: [], subruns: planSubruns,
  };
  // As a run writes it: one sub-run per line (readers stream it), the shared step list once per line.
  writePlanFile(join(dir, RECORD_FILES.plan), plan);
  const planBytes = statSync(join(dir, RECORD_FILES.plan)).size;
  writeFileSync(join(dir, RECORD_FILES.summary), `${JSON.stringify({
    format: 'road_runner.run/1', run_id: RUN_ID, status: 'failed', unit: 'SN-BENCH', seed: 42, flow: 'bench', margin: 'bench',
    started_at: '2024-01-31T12:00:00.000Z', ended_at: new Date(clock).toISOString(), duration_ms: clock - Date.parse('2024-01-31T12:00:00Z'), dry_run: false, exit_code: 1,
    profile: null, profile_reasons: [], host: { origin: 'bench', hostname: 'bench', arch: 'x86_64' }, bounds, counts, subruns: summarySubruns,
    versions: { road_runner: 'bench' }, inputs: [], reason: null,
  }, null, 2)}\n`);
  writeFileSync(join(dir, RECORD_FILES.sysinfo), JSON.stringify({ collected_at: '2024-01-31T11:59:59Z', raw: { lscpu: 'x', uname: 'Linux bench' }, cpu: { brand: 'Bench' } }));
  return { ldjsonBytes, planBytes, layout };
}
