// Running the built road_runner CLI under measurement, and finding what a run wrote.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertExitZero, measure } from './measure.mjs';
import { CLI } from './workspaces.mjs';

/** Fails early with a clear message when dist/ has not been built. */
export function assertBuilt() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with \`npm run build\``);
}

/** Measures `node dist/cli/main.js ...args`; throws when it does not exit 0. */
export async function measureCli(label, args, opts = {}) {
  return assertExitZero(label, await measure(process.execPath, [CLI, ...args], opts));
}

/** The `run` arguments for a flow and margin of a bench workspace. */
export function runArgs(ws, flow) {
  return ['run', '--flow', flow, '--margin', ws.margin, '--unit', 'BENCH', '--yes', '--root', ws.root, '--host', ws.host];
}

/** The only run folder under root/runs (the benchmarks remove each run after reading it). */
export function onlyRunDir(root) {
  const runs = readdirSync(join(root, 'runs')).filter((name) => name.startsWith('rr-'));
  if (runs.length !== 1) throw new Error(`expected one run under ${root}/runs, found ${runs.length}`);
  return join(root, 'runs', runs[0]);
}

/** Removes every run folder under root/runs. */
export function clearRuns(root) {
  for (const name of readdirSync(join(root, 'runs'))) if (name.startsWith('rr-')) rmSync(join(root, 'runs', name), { recursive: true, force: true });
}

/** The events of a run: its sub-runs' steps.ldjson in order (subruns/), or the run-level file of the earlier layout. */
export function readEvents(runDir) {
  const subruns = join(runDir, 'subruns');
  const files = existsSync(subruns)
    ? readdirSync(subruns).sort().map((id) => join(subruns, id, 'steps.ldjson')).filter((f) => existsSync(f))
    : [join(runDir, 'steps.ldjson')];
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line)));
}
