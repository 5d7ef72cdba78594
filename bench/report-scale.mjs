#!/usr/bin/env node
// Time and peak memory of `export --format csv` and `report` on a run of 100,000 steps.
//
//   npm run build && node bench/report-scale.mjs [SUBRUNS=25000] [STEPS=4] [subruns|flat]
//
// Builds a synthetic run (SUBRUNS sub-runs on a 125 × 200 grid, STEPS steps each, about a
// quarter failing, with plan.json holding every planned step) in a temp workspace. Each case
// runs in a fresh `node` child that imports dist/report/*.js and reports its wall time and
// peak RSS (VmHWM of /proc/self/status). Targets: < 5 s and < 250 MiB each. Exits 1 on a miss.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUN_ID, writeSyntheticRun } from './lib/syntheticRun.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_MS = 5000;
const LIMIT_MIB = 250;

if (process.argv[2] === '--child') {
  await runChild(process.argv[3], process.argv[4]);
} else {
  runParent(Number(process.argv[2] ?? 25000), Number(process.argv[3] ?? 4), process.argv[4] ?? 'subruns');
}

/** In the child: one export or one report, then one JSON line with what it measured. */
async function runChild(mode, root) {
  const started = performance.now();
  let detail;
  if (mode === 'export') {
    const { exportRun } = await import(pathToFileURL(join(ROOT, 'dist/report/export.js')).href);
    const { createWriteStream } = await import('node:fs');
    const { finished } = await import('node:stream/promises');
    const file = join(root, 'runs', RUN_ID, 'export.csv');
    const out = createWriteStream(file);
    const result = await exportRun(root, RUN_ID, 'csv', out);
    out.end();
    await finished(out);
    detail = { rows: result.rows, columns: result.columns.length, bytes: statSync(file).size };
  } else {
    const { renderReports } = await import(pathToFileURL(join(ROOT, 'dist/report/render.js')).href);
    const result = await renderReports(root, RUN_ID);
    detail = { htmlBytes: statSync(result.html).size, mdBytes: statSync(result.md).size, problems: result.problems.length };
  }
  const ms = performance.now() - started;
  const hwmKib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  process.stdout.write(`${JSON.stringify({ mode, ms, hwmKib, ...detail })}\n`);
}

function runParent(subruns, stepsPer, layout) {
  for (const f of ['dist/report/export.js', 'dist/report/render.js']) {
    if (!existsSync(join(ROOT, f))) {
      console.error(`${f} is missing: run \`npm run build\` first`);
      process.exit(2);
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'rr-report-bench-'));
  try {
    const t0 = performance.now();
    const info = writeSyntheticRun(root, subruns, stepsPer, { layout });
    console.log(`synthetic run (${layout} layout): ${subruns} sub-runs × ${stepsPer} steps = ${subruns * stepsPer} steps; steps.ldjson ${mib(info.ldjsonBytes)} MiB, plan.json ${mib(info.planBytes)} MiB (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    let missed = false;
    for (const mode of ['export', 'report']) {
      const wallStart = performance.now();
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, root], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const wallMs = performance.now() - wallStart;
      if (child.status !== 0) {
        console.error(`${mode}: child failed (${child.status ?? child.signal}):\n${child.stderr}`);
        missed = true;
        continue;
      }
      const r = JSON.parse(child.stdout.trim().split('\n').pop());
      const peakMib = r.hwmKib / 1024;
      const ok = wallMs < LIMIT_MS && peakMib < LIMIT_MIB;
      missed ||= !ok;
      const { mode: _m, ms, hwmKib: _h, ...rest } = r;
      console.log(`${ok ? 'PASS' : 'MISS'} ${mode}: wall ${(wallMs / 1000).toFixed(2)} s (in-process ${(ms / 1000).toFixed(2)} s), peak RSS ${peakMib.toFixed(0)} MiB  ${JSON.stringify(rest)}  [targets < ${LIMIT_MS / 1000} s, < ${LIMIT_MIB} MiB]`);
    }
    process.exitCode = missed ? 1 : 0;
  } finally {
    if (process.env.KEEP) console.log("kept", root); else rmSync(root, { recursive: true, force: true });
  }
}

function mib(bytes) {
  return (bytes / 1024 / 1024).toFixed(1);
}
