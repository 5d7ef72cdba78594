// The search bench's CLI cross-check: the built CLI runs a small search on the sample stub part
// (diags/cpu-smoke, whose flaky band is a seeded draw per attempt) in a workspace made by
// `road_runner init`; the same search is then replayed in-process with the engine against the
// stub's own rule, computed here from the probe seeds. Both must ask for the same probes, see
// the same outcomes and write the same boundary.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, makeTempDir, writeHostFile } from './workspaces.mjs';

/** The sample stub's verdict (diags/cpu-smoke): below vmin fails; within 15 mV above it fails when its seeded draw is < 0.2. */
export function stubOutcome(vcore, freq, seed) {
  const vmin = Math.trunc(800 + (freq - 2000) * 0.125);
  let x = seed % 4294967296;
  for (let r = 0; r < 3; r++) x = (x * 69069 + 1) % 4294967296;
  if (vcore < vmin) return 'fail';
  return vcore < vmin + 15 && x / 4294967296 < 0.2 ? 'fail' : 'pass';
}

// 8 voltages × 3 frequencies around the stub's edge (vmin 800, 810, 820 mV).
const TARGETS = { default: { vcore_mv: { sweep: { start: 845, stop: 810, step: -5 } }, freq_mhz: { values: [2000, 2080, 2160] } } };

/** The cases: the sample's own settings, and explore: single with a screening run. */
export const CLI_CASES = [
  { name: 'xcheck_confirmed', global_seed: 42, search: { strategy: 'edge', confirm: 3, retest: 2, guard_band: 20 } },
  { name: 'xcheck_single', global_seed: 7, search: { strategy: 'edge', confirm: 2, retest: 0, guard_band: 20, explore: 'single', screen: 1 } },
];

function cli(args, cwd) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * Runs every case through the CLI and in-process; returns per case the probe count, whether the
 * probe sequences, outcomes, seeds and boundary columns agree (with the first difference), and the wall time.
 */
export function crossCheckCli(engine, cases = CLI_CASES) {
  const dir = makeTempDir('search-cli');
  try {
    const ws = join(dir, 'ws');
    const init = cli(['init', ws], dir);
    if (init.status !== 0) throw new Error(`road_runner init failed: ${init.stderr}`);
    const host = writeHostFile(dir);
    writeFileSync(join(ws, 'flows', 'smoke_only.yaml'), JSON.stringify({ name: 'smoke_only', steps: [{ id: 'smoke', adapter: 'cpu-smoke', params: { iterations: 100 } }] }));
    return cases.map((c) => {
      writeFileSync(join(ws, 'margins', `${c.name}.yaml`), JSON.stringify({ name: c.name, global_seed: c.global_seed, combine: 'grid', targets: TARGETS, search: { rail: 'vcore_mv', direction: 'down', resolution: 5, ...c.search } }));
      const t0 = performance.now();
      const r = cli(['run', '--flow', 'smoke_only', '--margin', c.name, '--unit', 'BENCH', '--yes', '--root', ws, '--host', host], ws);
      const seconds = (performance.now() - t0) / 1000;
      // A search meets failing points: exit 1 (failures) is expected, anything else is not.
      if (r.status !== 0 && r.status !== 1) throw new Error(`${c.name}: road_runner run exited ${r.status}: ${r.stderr.slice(-2000)}`);
      const runs = readdirSync(join(ws, 'runs')).filter((d) => d.startsWith('rr-'));
      if (runs.length !== 1) throw new Error(`${c.name}: expected one run folder, found ${runs.length}`);
      const runDir = join(ws, 'runs', runs[0]);
      const result = compareRun(engine, runDir);
      rmSync(runDir, { recursive: true, force: true });
      return { name: c.name, settings: c.search, seconds, ...result };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The CLI's sub-runs (in execution order) against the engine driven in-process by the stub's rule.
function compareRun(engine, runDir) {
  const plan = readJson(join(runDir, 'plan.json'));
  const { spec, columns } = plan.search;
  const summaries = readdirSync(join(runDir, 'subruns')).map((id) => readJson(join(runDir, 'subruns', id, 'summary.json'))).sort((a, b) => a.index - b.index);
  const cliProbes = summaries.map((s) => ({ column: `freq_mhz=${s.point.freq_mhz}`, value: s.point.vcore_mv, purpose: s.purpose, outcome: s.status === 'passed' || s.status === 'marginal' ? 'pass' : 'fail', seed: s.seed }));
  const history = [];
  const mine = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const request = engine.nextProbe(spec, columns, history);
    if (request === null) break;
    const seed = engine.probeSeed(plan.seed, request.column, request.value, request.attempt);
    const outcome = stubOutcome(request.value, Number(request.column.split('=')[1]), seed);
    history.push({ column: request.column, value: request.value, purpose: request.purpose, outcome });
    mine.push({ ...history.at(-1), seed });
  }
  const differences = [];
  const n = Math.max(cliProbes.length, mine.length);
  for (let i = 0; i < n && differences.length === 0; i++) {
    const a = JSON.stringify(cliProbes[i] ?? null);
    const b = JSON.stringify(mine[i] ?? null);
    if (a !== b) differences.push(`probe ${i + 1}: CLI ${a}, in-process ${b}`);
  }
  const strip = (col) => ({ confirmed: col.confirmed, guard_banded: col.guard_banded, last_pass: col.last_pass, first_fail: col.first_fail, probes: col.probes, flaky: col.flaky, holes: col.holes });
  const cliBoundary = readJson(join(runDir, 'boundary.json')).columns.map(strip);
  const myBoundary = engine.boundaryOf(spec, columns, history, plan.run_id).columns.map(strip);
  if (JSON.stringify(cliBoundary) !== JSON.stringify(myBoundary)) differences.push(`boundary: CLI ${JSON.stringify(cliBoundary)}, in-process ${JSON.stringify(myBoundary)}`);
  return { probes: cliProbes.length, gridPoints: columns.length * columns[0].lattice.length, confirmed: cliBoundary.map((c) => c.confirmed), agree: differences.length === 0, differences };
}
