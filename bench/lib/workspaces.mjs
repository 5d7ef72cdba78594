// Throw-away road_runner workspaces for the benchmarks. JSON is valid YAML, so the input files
// are written as JSON. Every builder takes the (empty) folder to fill.

import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const FLOOD = join(ROOT, 'test/fixtures/bin/flood');
const HOST_FIXTURE = join(ROOT, 'test/fixtures/lscpu/xeon-gold-6338-2s-flat-rhel8');

/** A new empty temp folder named rr-bench-<label>-XXXXXX. */
export function makeTempDir(label) {
  return mkdtempSync(join(tmpdir(), `rr-bench-${label}-`));
}

function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function writeExecutable(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

function copyExecutable(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, 0o755);
}

/** A saved host (`detect --save` format), so no figure includes running lscpu. Returns its path. */
export function writeHostFile(dir) {
  const file = join(dir, 'host.json');
  writeFileSync(file, JSON.stringify({ lscpu: readFileSync(`${HOST_FIXTURE}.txt`, 'utf8'), uname: readFileSync(`${HOST_FIXTURE}.uname`, 'utf8') }));
  return file;
}

/** The repository's own sample workspace (adapters, diags, flows, margins, policy, templates). */
export function copySampleWorkspace(dir) {
  for (const d of ['adapters', 'flows', 'margins', 'policy', 'templates']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  for (const f of readdirSync(join(ROOT, 'diags'))) copyExecutable(join(ROOT, 'diags', f), join(dir, 'diags', f));
  mkdirSync(join(dir, 'runs'), { recursive: true });
  return { root: dir, host: writeHostFile(dir), flow: 'sample_flow', margin: 'sample_margin' };
}

// One passive rail (no actuator): its value reaches the diagnostic through RR_MARGIN_VCORE_MV only.
function writePassiveMarginAndPolicy(dir, maxSubruns = 10) {
  writeJson(join(dir, 'margins/one.yaml'), { name: 'one', global_seed: 1, targets: { default: { vcore_mv: { fixed: 950 } } } });
  writeJson(join(dir, 'policy/safety.yaml'), { bounds: { vcore_mv: { min: 700, max: 1100 } }, limits: { max_subruns: maxSubruns } });
  mkdirSync(join(dir, 'policy/profiles'), { recursive: true });
  mkdirSync(join(dir, 'runs'), { recursive: true });
}

/**
 * A one-sub-run workspace whose flow runs a trivial diagnostic (`diags/trivial`: one line to
 * stdout, exit 0) `steps` times. Flow `steps_scanned` uses an adapter with a pass regex, so
 * its output is piped through road_runner instead of handed over as a file descriptor; flow
 * `rules<N>` uses a fail regex and a metric (STEP_FAIL_REGEX, STEP_METRIC_REGEX).
 */
export const STEP_FAIL_REGEX = 'MISCOMPARE';
export const STEP_METRIC_REGEX = '^(ok)$';

export function buildStepLoopWorkspace(dir, counts) {
  writeExecutable(join(dir, 'diags/trivial'), '#!/bin/sh\necho ok\n');
  writeJson(join(dir, 'adapters/trivial.yaml'), { name: 'trivial', executable: 'trivial', timeout_s: 60 });
  writeJson(join(dir, 'adapters/trivial-scanned.yaml'), { name: 'trivial-scanned', executable: 'trivial', timeout_s: 60, pass: { exit_codes: [0], stdout_pass_regex: '^ok$' } });
  writeJson(join(dir, 'adapters/trivial-rules.yaml'), {
    name: 'trivial-rules', executable: 'trivial', timeout_s: 60,
    pass: { exit_codes: [0], stdout_fail_regex: STEP_FAIL_REGEX },
    metrics: { word: { regex: STEP_METRIC_REGEX, type: 'string' } },
  });
  for (const n of counts) {
    writeJson(join(dir, `flows/steps${n}.yaml`), { name: `steps${n}`, steps: [{ id: 'trivial', adapter: 'trivial', repeat: n, on_fail: 'continue' }] });
    writeJson(join(dir, `flows/scanned${n}.yaml`), { name: `scanned${n}`, steps: [{ id: 'trivial', adapter: 'trivial-scanned', repeat: n, on_fail: 'continue' }] });
    writeJson(join(dir, `flows/rules${n}.yaml`), { name: `rules${n}`, steps: [{ id: 'trivial', adapter: 'trivial-rules', repeat: n, on_fail: 'continue' }] });
  }
  writePassiveMarginAndPolicy(dir);
  return { root: dir, host: writeHostFile(dir), executable: join(dir, 'diags/trivial'), margin: 'one' };
}

/**
 * A plan-scale workspace: a vcores × freqs grid (vcore_mv × freq_mhz, jittered, plus a vddq_mv
 * target for mem-test) and a 3-step flow over the sample adapters. 1000 × 100 = 100,000 points.
 */
export function buildPlanScaleWorkspace(dir, vcores, freqs) {
  cpSync(join(ROOT, 'adapters'), join(dir, 'adapters'), { recursive: true });
  for (const f of readdirSync(join(ROOT, 'diags'))) copyExecutable(join(ROOT, 'diags', f), join(dir, 'diags', f));
  writeJson(join(dir, 'flows/bench_flow.yaml'), {
    name: 'bench_flow',
    steps: [
      { id: 'smoke', adapter: 'cpu-smoke', params: { iterations: 2000, pattern: 'walk' } },
      { id: 'random', adapter: 'cpu-smoke', params: { pattern: 'random' }, on_fail: 'continue' },
      { id: 'memory', adapter: 'mem-test', params: { size_mb: 64, passes: 2 } },
    ],
  });
  // Integer-friendly steps: 0.4 mV × vcores from 700, 30 MHz × freqs from 1000.
  writeJson(join(dir, 'margins/bench_margin.yaml'), {
    name: 'bench_margin', global_seed: 7, combine: 'grid',
    targets: {
      default: {
        vcore_mv: { sweep: { start: 700, stop: 700 + (vcores - 1) * 0.4 + 0.2, step: 0.4 } },
        freq_mhz: { sweep: { start: 1000, stop: 1000 + (freqs - 1) * 30, step: 30 } },
      },
      'mem-test': { vddq_mv: { fixed: 1200 } },
    },
    jitter: { vcore_mv: { amplitude: 0.2 } },
  });
  writeJson(join(dir, 'policy/safety.yaml'), {
    bounds: { vcore_mv: { min: 650, max: 1150 }, freq_mhz: { min: 800, max: 4000 }, vddq_mv: { min: 1100, max: 1300 } },
    limits: { max_subruns: vcores * freqs },
  });
  mkdirSync(join(dir, 'policy/profiles'), { recursive: true });
  mkdirSync(join(dir, 'runs'), { recursive: true });
  return { root: dir, host: writeHostFile(dir), flow: 'bench_flow', margin: 'bench_margin', points: vcores * freqs };
}

/**
 * A one-step workspace whose diagnostic is test/fixtures/bin/flood printing `mib` MiB.
 * Flow `flood_plain`: no output rules (stdout handed to the child as a file descriptor).
 * Flow `flood_scanned`: a fail regex and a metric, so every line goes through the scanner.
 */
export function buildFloodWorkspace(dir, mib) {
  copyExecutable(FLOOD, join(dir, 'diags/flood'));
  // No flag: the value is passed as a positional argument, which is what flood takes.
  const params = { mib: { type: 'integer', min: 1, max: 65536, required: true } };
  writeJson(join(dir, 'adapters/flood-plain.yaml'), { name: 'flood-plain', executable: 'flood', timeout_s: 3600, params });
  writeJson(join(dir, 'adapters/flood-scanned.yaml'), {
    name: 'flood-scanned', executable: 'flood', timeout_s: 3600, params,
    pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
    metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } },
  });
  for (const kind of ['plain', 'scanned']) {
    writeJson(join(dir, `flows/flood_${kind}.yaml`), { name: `flood_${kind}`, steps: [{ id: 'flood', adapter: `flood-${kind}`, params: { mib } }] });
  }
  writePassiveMarginAndPolicy(dir);
  return { root: dir, host: writeHostFile(dir), margin: 'one', flood: join(dir, 'diags/flood') };
}
