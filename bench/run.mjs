#!/usr/bin/env node
// road_runner's benchmark suite: `npm run bench [-- --quick] [--out FILE] [--only ID,…]`.
//
// Each case measures road_runner against a baseline measured in the same run, interleaving
// the commands so drift of a shared machine hits both sides alike, and reports medians.
// Peak memory comes from the operating system (GNU time's rusage, or /proc VmHWM polling).
// Prints a table and writes every figure, baseline, ratio and target to bench/results/latest.json.
// Exit 0 even when a target is missed (MISS); exit 1 when a benchmark could not run (ERROR).
//
//   --quick   fewer repetitions and smaller sizes (under a minute); every row still runs
//   --out F   results file (default bench/results/latest.json)
//   --only    comma-separated case names: steps, startup, plan, report, flood, search, serve, fleet

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { benchFleet } from './cases/fleet.mjs';
import { benchFlood } from './cases/flood.mjs';
import { benchPlanScale } from './cases/planScale.mjs';
import { benchReportScale } from './cases/reportScale.mjs';
import { benchSearch } from './cases/searchSim.mjs';
import { benchServe } from './cases/serveLive.mjs';
import { benchStartup } from './cases/startup.mjs';
import { benchStepCost } from './cases/stepCost.mjs';
import { assertBuilt } from './lib/cli.mjs';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { hasGnuTime } from './lib/measure.mjs';
import { formatTable, makeErrorRow } from './lib/rows.mjs';
import { ROOT } from './lib/workspaces.mjs';

const CASES = {
  steps: { what: 'per-step cost', run: benchStepCost },
  startup: { what: 'start-up', run: benchStartup },
  plan: { what: 'plan at scale', run: benchPlanScale },
  report: { what: 'export and report at scale', run: benchReportScale },
  flood: { what: 'stdout flood', run: benchFlood },
  search: { what: 'adaptive search on simulated parts', run: benchSearch },
  serve: { what: 'dashboard over a 100,000-step live run', run: benchServe },
  fleet: { what: 'fleet on PostgreSQL: dispatch, ingest, report', run: benchFleet },
};

function parseOptions(argv) {
  const opts = { quick: false, out: join(ROOT, 'bench/results/latest.json'), only: Object.keys(CASES) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) opts.out = resolve(argv[++i]);
    else if (arg === '--only' && argv[i + 1] !== undefined) opts.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; use --quick, --out FILE, --only ${Object.keys(CASES).join(',')}`);
  }
  const unknown = opts.only.filter((name) => !(name in CASES));
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}; cases are ${Object.keys(CASES).join(', ')}`);
  return opts;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  assertBuilt();
  const machineAtStart = describeMachine();
  const peakMethod = (await hasGnuTime()) ? '/usr/bin/time (wait4 rusage ru_maxrss)' : '/proc/<pid>/status VmHWM polling';
  const log = (line) => process.stderr.write(`bench: ${line}\n`);
  log(`${opts.quick ? 'quick' : 'full'} mode on ${formatMachine(machineAtStart)}`);
  const started = performance.now();
  const rows = [];
  for (const name of opts.only) {
    const t = performance.now();
    try {
      rows.push(...(await CASES[name].run({ quick: opts.quick, log })));
    } catch (error) {
      rows.push(makeErrorRow(name, CASES[name].what, error));
    }
    log(`${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const totalS = (performance.now() - started) / 1000;
  const machine = { ...machineAtStart, loadavg_at_end: describeMachine().loadavg };
  const result = { format: 'road_runner.bench/1', mode: opts.quick ? 'quick' : 'full', created_at: new Date().toISOString(), duration_s: Number(totalS.toFixed(1)), peak_memory_method: peakMethod, machine, rows };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`road_runner bench (${result.mode}), ${formatMachine(machineAtStart)}; peak memory from ${peakMethod}`);
  console.log(formatTable(rows));
  for (const row of rows.filter((r) => r.note !== null && r.status !== 'ERROR')) console.log(`  note ${row.id}: ${row.note}`);
  const missed = rows.filter((r) => r.status === 'MISS');
  const errors = rows.filter((r) => r.status === 'ERROR');
  for (const row of missed) console.log(`MISS: ${row.what}`);
  for (const row of errors) console.log(`ERROR: ${row.what} could not run:\n${row.note}`);
  console.log(`${rows.filter((r) => r.status === 'PASS').length} met, ${missed.length} missed, ${errors.length} could not run; ${totalS.toFixed(0)} s; results in ${opts.out}`);
  return errors.length > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exitCode = 2;
}
