#!/usr/bin/env node
// Wall time and peak memory of `road_runner plan` for a 100,000-point sweep.
//
//   npm run build && node bench/plan-scale.mjs [--keep]
//
// Builds a temporary workspace: a 1000 × 100 grid margin (vcore_mv × freq_mhz), a 3-step flow,
// and a policy with `max_subruns: 100000`. Runs the built CLI once under /usr/bin/time -v
// (peak RSS = "Maximum resident set size"); without GNU time it polls VmHWM of the child in
// /proc. Prints wall time, peak RSS, plan.json size, and PASS/MISS against < 2 s and
// < 300 MiB. Always exits 0 unless the plan itself failed.

import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const TARGET_MS = 2000;
const TARGET_MIB = 300;
const GNU_TIME = '/usr/bin/time';

if (!existsSync(CLI)) {
  console.error(`bench: ${CLI} is missing; run npm run build first`);
  process.exit(2);
}

const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'rr-bench-plan-'));
try {
  writeWorkspace(dir);
  const args = [CLI, 'plan', '--root', dir, '--flow', 'bench_flow', '--margin', 'bench_margin',
    '--host', join(dir, 'host.yaml')];
  const hasGnuTime = await checkGnuTime();
  const result = hasGnuTime ? await runUnderTime(args) : await runPolling(args);
  if (result.code !== 0) {
    console.error(`bench: plan exited ${result.code}\n${result.stderr.slice(-2000)}`);
    process.exitCode = 1;
  } else {
    const runs = readdirSync(join(dir, 'runs'));
    const planFile = join(dir, 'runs', runs[0], 'plan.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    const mib = result.peakKib / 1024;
    const line = (label, ok, text) => console.log(`${label.padEnd(10)} ${text.padEnd(28)} ${ok ? 'PASS' : 'MISS'}`);
    console.log(`plan of ${plan.subruns.length.toLocaleString('en-US')} sub-runs × ${plan.subruns[0].steps.length} steps` +
      ` (measured with ${result.method})`);
    line('wall', result.ms < TARGET_MS, `${(result.ms / 1000).toFixed(2)} s (target < ${TARGET_MS / 1000} s)`);
    line('peak RSS', mib < TARGET_MIB, `${mib.toFixed(0)} MiB (target < ${TARGET_MIB} MiB)`);
    if (result.cpuMs !== undefined) console.log(`cpu        ${(result.cpuMs / 1000).toFixed(2)} s user+sys (wall includes waiting on a busy machine)`);
    console.log(`plan.json  ${(statSync(planFile).size / 1024 / 1024).toFixed(1)} MiB`);
    await printBreakdown(dir);
    if (plan.subruns.length !== 100_000) {
      console.error(`bench: expected 100000 sub-runs, got ${plan.subruns.length}`);
      process.exitCode = 1;
    }
  }
} finally {
  if (keep) console.log(`workspace kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

// Where the time goes, in this process: planning (load + expand + check), then serialising.
async function printBreakdown(root) {
  const { loadValidators } = await import(join(ROOT, 'dist/config/validate.js'));
  const { loadWorkspace } = await import(join(ROOT, 'dist/workspace/load.js'));
  const { planSweep } = await import(join(ROOT, 'dist/plan/planSweep.js'));
  const { buildHostFacts } = await import(join(ROOT, 'dist/host/facts.js'));
  const texts = JSON.parse(readFileSync(join(root, 'host.yaml'), 'utf8'));
  let t = performance.now();
  const workspace = loadWorkspace(await loadValidators(), root, { envPath: '' });
  const loadMs = performance.now() - t;
  t = performance.now();
  const { plan } = planSweep({
    workspace, flow: workspace.flows[0], margin: workspace.margins[0], host: buildHostFacts(texts),
    runId: 'rr-20260101T000000Z-abcdef', createdAt: new Date().toISOString(), randomSeed: () => 1,
  });
  const planMs = performance.now() - t;
  t = performance.now();
  const pretty = JSON.stringify(plan, null, 2).length;
  const prettyMs = performance.now() - t;
  t = performance.now();
  const compact = JSON.stringify(plan).length;
  const compactMs = performance.now() - t;
  const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  console.log('breakdown (in this process):');
  console.log(`  load + validate workspace   ${loadMs.toFixed(0)} ms`);
  console.log(`  planSweep (expand + check)  ${planMs.toFixed(0)} ms`);
  console.log(`  JSON.stringify, indent 2    ${prettyMs.toFixed(0)} ms, ${mb(pretty)}`);
  console.log(`  JSON.stringify, compact     ${compactMs.toFixed(0)} ms, ${mb(compact)}`);
}

function writeWorkspace(root) {
  for (const d of ['adapters', 'diags', 'flows', 'margins', 'policy/profiles']) mkdirSync(join(root, d), { recursive: true });
  cpSync(join(ROOT, 'adapters'), join(root, 'adapters'), { recursive: true });
  for (const f of readdirSync(join(ROOT, 'diags'))) {
    cpSync(join(ROOT, 'diags', f), join(root, 'diags', f));
    chmodSync(join(root, 'diags', f), 0o755);
  }
  writeFileSync(join(root, 'flows/bench_flow.yaml'), [
    'name: bench_flow',
    'steps:',
    '  - id: smoke',
    '    adapter: cpu-smoke',
    '    params: {iterations: 2000, pattern: walk}',
    '  - id: random',
    '    adapter: cpu-smoke',
    '    params: {pattern: random}',
    '    on_fail: continue',
    '  - id: memory',
    '    adapter: mem-test',
    '    params: {size_mb: 64, passes: 2}',
    '',
  ].join('\n'));
  // 1000 vcore values × 100 freq values = 100,000 points.
  writeFileSync(join(root, 'margins/bench_margin.yaml'), [
    'name: bench_margin',
    'global_seed: 7',
    'combine: grid',
    'targets:',
    '  default:',
    '    vcore_mv: {sweep: {start: 700, stop: 1099.6, step: 0.4}}',
    '    freq_mhz: {sweep: {start: 1000, stop: 3970, step: 30}}',
    '  mem-test:',
    '    vddq_mv: {fixed: 1200}',
    'jitter:',
    '  vcore_mv: {amplitude: 0.2}',
    '',
  ].join('\n'));
  writeFileSync(join(root, 'policy/safety.yaml'), [
    'bounds:',
    '  vcore_mv: {min: 650, max: 1150}',
    '  freq_mhz: {min: 800, max: 4000}',
    '  vddq_mv: {min: 1100, max: 1300}',
    'limits:',
    '  max_subruns: 100000',
    '',
  ].join('\n'));
  // A saved host, so the figure does not include running lscpu.
  const lscpu = readFileSync(join(ROOT, 'test/fixtures/lscpu/xeon-gold-6338-2s-flat-rhel8.txt'), 'utf8');
  const uname = readFileSync(join(ROOT, 'test/fixtures/lscpu/xeon-gold-6338-2s-flat-rhel8.uname'), 'utf8');
  writeFileSync(join(root, 'host.yaml'), JSON.stringify({ lscpu, uname }));
}

function checkGnuTime() {
  return new Promise((resolve) => {
    if (!existsSync(GNU_TIME)) return resolve(false);
    const child = spawn(GNU_TIME, ['-v', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', () => resolve(false));
    child.on('close', () => resolve(/Maximum resident set size/.test(err)));
  });
}

function collect(child) {
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

async function runUnderTime(args) {
  const started = performance.now();
  const child = spawn(GNU_TIME, ['-v', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { code, stderr } = await collect(child);
  const ms = performance.now() - started;
  const peakKib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN);
  const seconds = (label) => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  return { code, stderr, ms, peakKib, cpuMs: (seconds('User') + seconds('System')) * 1000, method: '/usr/bin/time -v' };
}

async function runPolling(args) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKib = 0;
  const timer = setInterval(() => {
    try {
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakKib = Math.max(peakKib, hwm);
    } catch {
      /* the child has exited */
    }
  }, 5);
  const { code, stderr } = await collect(child);
  clearInterval(timer);
  return { code, stderr, ms: performance.now() - started, peakKib, method: 'VmHWM polling (a lower bound)' };
}
