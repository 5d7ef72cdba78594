#!/usr/bin/env node
// The floor of Node itself for the per-step row: spawn EXE N times in DIR with the same RR_*
// environment, stdout/stderr to per-step files, one JSON line appended per step, and no
// road_runner code at all. Prints {"loopMs": …} (start-up excluded).
//
//   node bench/lib/spawnLoop.mjs fd|pipe EXE DIR N
//
// fd: the files are opened here and handed to the child as descriptors (no data through Node).
// pipe: the child's output comes through pipes and is written by Node streams.

import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

const [mode, exe, dir, count] = process.argv.slice(2);
const n = Number(count);
const env = { ...process.env, ...stepEnvironment() };

/** The environment road_runner gives a step of the benchmark's one-sub-run flow. */
function stepEnvironment() {
  return { RR_RUN_ID: 'rr-bench', RR_SUBRUN_ID: 'rr-bench-s1', RR_UNIT: 'BENCH', RR_SEED: '1', RR_STEP_ID: 'trivial', RR_MARGIN_VCORE_MV: '950' };
}

function waitForExit(child) {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

async function runWithFds(i) {
  const out = openSync(join(dir, 'stdout', `${i}.log`), 'w');
  const err = openSync(join(dir, 'stderr', `${i}.log`), 'w');
  try {
    return await waitForExit(spawn(exe, [], { cwd: dir, env, stdio: ['ignore', out, err] }));
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

async function runWithPipes(i) {
  const child = spawn(exe, [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = child.stdout.pipe(createWriteStream(join(dir, 'stdout', `${i}.log`)));
  const err = child.stderr.pipe(createWriteStream(join(dir, 'stderr', `${i}.log`)));
  const [code] = await Promise.all([waitForExit(child), finished(out), finished(err)]);
  return code;
}

if (mode !== undefined) {
  mkdirSync(join(dir, 'stdout'), { recursive: true });
  mkdirSync(join(dir, 'stderr'), { recursive: true });
  const runOne = mode === 'pipe' ? runWithPipes : runWithFds;
  const started = performance.now();
  for (let i = 1; i <= n; i++) {
    const code = await runOne(i);
    appendFileSync(join(dir, 'steps.ldjson'), `${JSON.stringify({ ts: new Date().toISOString(), event: 'step_end', index: i, exit_code: code })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ loopMs: performance.now() - started })}\n`);
}
