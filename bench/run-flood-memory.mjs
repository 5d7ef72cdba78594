#!/usr/bin/env node
// Peak memory of the road_runner CLI while a diagnostic floods stdout through `run`.
//
//   npm run build && node bench/run-flood-memory.mjs [MIB=256]
//
// Builds a throw-away workspace (simulated rail, test/fixtures/bin/flood as the diagnostic,
// an adapter with a fail regex and a metric so every line goes through the scanner), runs
// `road_runner run` on a one-step flow that prints MIB MiB, and polls VmHWM (peak RSS) of the
// CLI process from /proc/<pid>/status until it exits. A 1 MiB run gives the start-up
// footprint for comparison. Target: peak < 200 MiB. Prints PASS or MISS; exits 1 on MISS or
// when the log is not exactly the bytes printed.

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const TARGET_MIB = 200;
const MIB = 1024 * 1024;
const TAIL = 'gflops=7.25';

const mib = Number(process.argv[2] ?? 256);
if (!existsSync(CLI)) {
  console.error(`missing ${CLI}: build first with \`npm run build\``);
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'rr-run-flood-'));
try {
  buildWorkspace(root);
  const small = await measureRun(root, 1);
  const big = await measureRun(root, mib);
  console.log(`road_runner run: one step printing N MiB to stdout, scanned (fail regex + metric)`);
  console.log('MiB     wall s   CLI peak RSS MiB   log bytes ok   metric   exit');
  for (const row of [small, big]) {
    console.log(`${String(row.mib).padEnd(6)} ${(row.ms / 1000).toFixed(2).padStart(7)}   ${(row.hwmKib / 1024).toFixed(1).padStart(16)}   ${String(row.bytesOk).padStart(12)}   ${String(row.metric).padStart(6)}   ${row.code}`);
  }
  const peak = big.hwmKib / 1024;
  const ok = peak < TARGET_MIB && big.bytesOk && big.code === 0;
  console.log(`${ok ? 'PASS' : 'MISS'}: peak RSS ${peak.toFixed(1)} MiB while capturing ${mib} MiB (target < ${TARGET_MIB} MiB; ${(big.hwmKib - small.hwmKib) / 1024 >= 0 ? '+' : ''}${((big.hwmKib - small.hwmKib) / 1024).toFixed(1)} MiB over a 1 MiB run)`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}

function writeJsonAsYaml(file, value) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`); // JSON is YAML
}

function buildWorkspace(dir) {
  mkdirSync(join(dir, 'diags'), { recursive: true });
  for (const [from, name] of [['diags/sim-rail', 'sim-rail'], ['test/fixtures/bin/flood', 'flood']]) {
    copyFileSync(join(ROOT, from), join(dir, 'diags', name));
    chmodSync(join(dir, 'diags', name), 0o755);
  }
  writeJsonAsYaml(join(dir, 'adapters/vcore.yaml'), {
    name: 'vcore', kind: 'rail', rail: 'vcore_mv', executable: 'sim-rail', set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'],
    nominal: 1000, tolerance: 2, settle_ms: 0,
  });
  writeJsonAsYaml(join(dir, 'adapters/flood.yaml'), {
    name: 'flood', executable: 'flood', timeout_s: 600,
    params: { mib: { type: 'integer', min: 1, max: 65536, required: true }, tail: { type: 'string' } },
    pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
    metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } },
  });
  for (const n of [1, mib]) {
    writeJsonAsYaml(join(dir, `flows/flood${n}.yaml`), { name: `flood${n}`, steps: [{ id: 'flood', adapter: 'flood', params: { mib: n, tail: TAIL } }] });
  }
  writeJsonAsYaml(join(dir, 'margins/one.yaml'), { name: 'one', global_seed: 1, targets: { default: { vcore_mv: { fixed: 950 } } } });
  writeJsonAsYaml(join(dir, 'policy/safety.yaml'), { bounds: { vcore_mv: { min: 700, max: 1100 } } });
  mkdirSync(join(dir, 'policy/profiles'), { recursive: true });
  writeFileSync(join(dir, 'host.json'), JSON.stringify({
    lscpu: readFileSync(join(ROOT, 'test/fixtures/lscpu/xeon-gold-6338-2s-flat-rhel8.txt'), 'utf8'),
    uname: readFileSync(join(ROOT, 'test/fixtures/lscpu/xeon-gold-6338-2s-flat-rhel8.uname'), 'utf8'),
  }));
}

function readHwmKib(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // already gone
  }
}

async function measureRun(dir, n) {
  const runsBefore = new Set(existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')) : []);
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'run', '--flow', `flood${n}`, '--margin', 'one', '--unit', 'BENCH', '--yes', '--root', dir, '--host', join(dir, 'host.json')], {
    cwd: dir,
    env: { ...process.env, RR_SIM_RAIL_DIR: join(dir, 'sim-rails') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let hwmKib = 0;
  const poll = setInterval(() => {
    hwmKib = Math.max(hwmKib, readHwmKib(child.pid));
  }, 20);
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'exit' comes before the zombie is reaped: read the final VmHWM while it still can be.
    child.on('exit', (c) => {
      hwmKib = Math.max(hwmKib, readHwmKib(child.pid));
      resolve(c);
    });
  });
  clearInterval(poll);
  const ms = performance.now() - started;
  const runId = readdirSync(join(dir, 'runs')).find((x) => x.startsWith('rr-') && !runsBefore.has(x));
  const runDir = join(dir, 'runs', runId);
  const subBase = existsSync(join(runDir, 'subruns')) ? join(runDir, 'subruns') : runDir;
  const subDir = join(subBase, readdirSync(subBase).find((x) => /-s\d+$/.test(x)));
  const sub = JSON.parse(readFileSync(join(subDir, 'summary.json'), 'utf8'));
  const log = join(subDir, 'stdout', sub.steps[0].log_name);
  const bytesOk = statSync(log).size === n * MIB + TAIL.length + 1;
  return { mib: n, ms, hwmKib, bytesOk, metric: sub.steps[0].metrics.gflops ?? null, code };
}
