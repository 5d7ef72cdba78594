#!/usr/bin/env node
// Peak memory and speed of launch() while a diagnostic floods stdout.
//
//   npm run build && node bench/flood-memory.mjs [MIB=1024]
//
// Each case runs in a fresh `node` child that imports dist/execute/launch.js, launches
// test/fixtures/bin/flood MIB once, and reports its own peak RSS (VmHWM of /proc/self/status).
// Baseline: `sh -c 'flood MIB > file'`. Exits 1 if a peak exceeds 150 MiB or a file is short.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCH_JS = join(ROOT, 'dist/execute/launch.js');
const FLOOD = join(ROOT, 'test/fixtures/bin/flood');
const LIMIT_MIB = 150;
const MIB = 1024 * 1024;

const SCAN = {
  failRegex: 'MISCOMPARE',
  passRegex: '^flood ',
  metrics: [{ name: 'gflops', regex: 'gflops=([0-9.]+)', type: 'number' }],
};

if (process.argv[2] === '--child') {
  await runChild(process.argv[3], Number(process.argv[4]), process.argv[5]);
} else {
  await runParent(Number(process.argv[2] ?? 1024));
}

/** In the child: one launch, then one JSON line with what it measured. */
async function runChild(mode, mib, outDir) {
  const { launch } = await import(LAUNCH_JS);
  const stdoutPath = join(outDir, `${mode}.out`);
  let result = null;
  const started = performance.now();
  if (mode !== 'idle') {
    result = await launch({
      file: FLOOD,
      args: [String(mib)],
      cwd: outDir,
      env: {},
      stdoutPath,
      stderrPath: join(outDir, `${mode}.err`),
      timeoutMs: 600_000,
      graceMs: 2_000,
      scan: mode === 'scan' ? SCAN : undefined,
    });
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const hwmKib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  const bytes = mode === 'idle' ? 0 : statSync(stdoutPath).size;
  rmSync(stdoutPath, { force: true });
  process.stdout.write(JSON.stringify({ mode, ms, cpuMs, hwmKib, bytes, result }) + '\n');
}

async function runParent(mib) {
  if (!existsSync(LAUNCH_JS)) {
    console.error(`missing ${LAUNCH_JS}: build first with \`npm run build\``);
    process.exit(2);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'rr-flood-'));
  try {
    const baselineMs = await timeShellBaseline(mib, outDir);
    const rows = [];
    for (const mode of ['idle', 'fd', 'scan']) rows.push(await runChildCase(mode, mib, outDir));
    printTable(mib, baselineMs, rows);
    const problems = rows.flatMap((row) => checkRow(row, mib));
    for (const problem of problems) console.error(`FAIL: ${problem}`);
    process.exitCode = problems.length === 0 ? 0 : 1;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function checkRow(row, mib) {
  const problems = [];
  if (row.hwmKib / 1024 > LIMIT_MIB) problems.push(`${row.mode}: peak RSS ${(row.hwmKib / 1024).toFixed(1)} MiB > ${LIMIT_MIB} MiB`);
  if (row.mode !== 'idle' && row.bytes !== mib * MIB) problems.push(`${row.mode}: captured ${row.bytes} bytes, expected ${mib * MIB}`);
  if (row.result !== null && row.result.exitCode !== 0) problems.push(`${row.mode}: exit ${row.result.exitCode}`);
  return problems;
}

function printTable(mib, baselineMs, rows) {
  console.log(`flood ${mib} MiB  (limit ${LIMIT_MIB} MiB peak RSS)`);
  console.log('case       wall ms   MiB/s   vs sh   node CPU ms   peak RSS MiB');
  const line = (name, ms, cpuMs, hwm) =>
    console.log(
      `${name.padEnd(9)} ${ms === null ? '-'.padStart(8) : ms.toFixed(0).padStart(8)}` +
        ` ${ms === null ? '-'.padStart(7) : (mib / (ms / 1000)).toFixed(0).padStart(7)}` +
        ` ${ms === null ? '-'.padStart(7) : (ms / baselineMs).toFixed(2).padStart(7)}` +
        ` ${cpuMs === null ? '-'.padStart(13) : cpuMs.toFixed(0).padStart(13)} ${hwm.padStart(14)}`,
    );
  line('sh >file', baselineMs, null, '-');
  for (const row of rows) line(row.mode, row.mode === 'idle' ? null : row.ms, row.cpuMs, (row.hwmKib / 1024).toFixed(1));
  console.log('(node CPU ms: user+sys of the node process that called launch(), start-up included)');
}

function runChildCase(mode, mib, outDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, String(mib), outDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (part) => (text += part));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${mode} exited ${code}`));
      else resolve(JSON.parse(text.trim()));
    });
  });
}

function timeShellBaseline(mib, outDir) {
  const started = performance.now();
  const file = join(outDir, 'baseline.out');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', '"$0" "$1" > "$2"', FLOOD, String(mib), file], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => {
      const ms = performance.now() - started;
      rmSync(file, { force: true });
      resolve(ms);
    });
  });
}
