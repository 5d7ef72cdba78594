// Per-step cost: a one-sub-run flow repeating a trivial diagnostic N times, against a bash
// loop doing the same work (same executable and environment, per-step output files, one JSON
// line per step), plus Node's own floor (a bare spawn loop) and a scanned (piped) adapter; and
// an adapter with a fail regex and a metric against a bash loop that pipes the same output
// through grep.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearRuns, measureCli, onlyRunDir, readEvents, runArgs } from '../lib/cli.mjs';
import { assertExitZero, measure } from '../lib/measure.mjs';
import { makeRow } from '../lib/rows.mjs';
import { medianOf, runInterleaved } from '../lib/stats.mjs';
import { STEP_FAIL_REGEX, STEP_METRIC_REGEX, buildStepLoopWorkspace, makeTempDir } from '../lib/workspaces.mjs';
import { mkdirSync, rmSync } from 'node:fs';

const BASH_LOOP = fileURLToPath(new URL('../lib/bashLoop.sh', import.meta.url));
const BASH_GREP_LOOP = fileURLToPath(new URL('../lib/bashGrepLoop.sh', import.meta.url));
const SPAWN_LOOP = fileURLToPath(new URL('../lib/spawnLoop.mjs', import.meta.url));

// Time between the first step_start and the last step_end of a run, from its own records.
function readStepSpanMs(runDir, steps) {
  const events = readEvents(runDir);
  const starts = events.filter((e) => e.event === 'step_start');
  const ends = events.filter((e) => e.event === 'step_end');
  if (ends.length !== steps || ends.some((e) => e.status !== 'passed')) {
    throw new Error(`run recorded ${ends.length} step_end events (${ends.filter((e) => e.status === 'passed').length} passed), expected ${steps} passed`);
  }
  return Date.parse(ends.at(-1).ts) - Date.parse(starts[0].ts);
}

async function runRoadRunner(ws, flow, steps) {
  clearRuns(ws.root);
  const r = await measureCli(`road_runner run --flow ${flow}`, runArgs(ws, flow), { cwd: ws.root });
  const spanMs = readStepSpanMs(onlyRunDir(ws.root), steps);
  clearRuns(ws.root);
  return { ...r, perStepMs: spanMs / steps, fixedMs: r.ms - spanMs };
}

async function runLoop(label, cmd, args, dir, steps) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = assertExitZero(label, await measure(cmd, args, { stdout: 'capture' }));
  const inner = cmd === 'bash' ? r.ms : JSON.parse(r.stdout.trim()).loopMs;
  return { ...r, perStepMs: inner / steps };
}

/** Rows for the per-step cost. */
export async function benchStepCost({ quick, log }) {
  const steps = quick ? 100 : 500;
  const reps = quick ? 1 : 5;
  const root = makeTempDir('steps');
  try {
    const ws = buildStepLoopWorkspace(root, [steps]);
    const loopDir = join(root, 'loop');
    log(`per-step: ${steps} steps, ${reps} interleaved repetitions`);
    const tasks = {
      rr: () => runRoadRunner(ws, `steps${steps}`, steps),
      bash: () => runLoop('bash loop', 'bash', [BASH_LOOP, ws.executable, loopDir, String(steps)], loopDir, steps),
      nodeFd: () => runLoop('node spawn loop (fd)', process.execPath, [SPAWN_LOOP, 'fd', ws.executable, loopDir, String(steps)], loopDir, steps),
      nodePipe: () => runLoop('node spawn loop (pipe)', process.execPath, [SPAWN_LOOP, 'pipe', ws.executable, loopDir, String(steps)], loopDir, steps),
      rrScanned: () => runRoadRunner(ws, `scanned${steps}`, steps),
      rrRules: () => runRoadRunner(ws, `rules${steps}`, steps),
      bashGrep: () => runLoop('bash loop through grep', 'bash', [BASH_GREP_LOOP, ws.executable, loopDir, String(steps), STEP_FAIL_REGEX, STEP_METRIC_REGEX], loopDir, steps),
    };
    const res = await runInterleaved(tasks, reps);
    const bash = medianOf(res.bash, 'perStepMs');
    const baselineWhat = `bash loop, ${steps} steps`;
    const perStep = (name) => res[name].map((r) => r.perStepMs);
    return [
      makeRow({
        id: 'step.per_step', what: `per-step cost, ${steps}-step flow (fd stdio adapter)`, value: medianOf(res.rr, 'perStepMs'), unit: 'ms/step',
        baseline: bash, baselineWhat, target: { on: 'ratio', max: 1.7 }, samples: { value: perStep('rr'), baseline: perStep('bash') },
        note: 'first step_start to last step_end in steps.ldjson, divided by the step count',
      }),
      makeRow({ id: 'step.node_fd', what: 'floor: bare Node spawn loop, fd stdio', value: medianOf(res.nodeFd, 'perStepMs'), unit: 'ms/step', baseline: bash, baselineWhat, samples: { value: perStep('nodeFd') } }),
      makeRow({ id: 'step.node_pipe', what: 'floor: bare Node spawn loop, piped streams', value: medianOf(res.nodePipe, 'perStepMs'), unit: 'ms/step', baseline: bash, baselineWhat, samples: { value: perStep('nodePipe') } }),
      makeRow({ id: 'step.scanned', what: 'per-step cost, scanned adapter (piped stdio)', value: medianOf(res.rrScanned, 'perStepMs'), unit: 'ms/step', baseline: bash, baselineWhat, samples: { value: perStep('rrScanned') } }),
      makeRow({
        id: 'step.rules', what: 'per-step cost, scanned adapter (fail regex + metric)', value: medianOf(res.rrRules, 'perStepMs'), unit: 'ms/step',
        baseline: medianOf(res.bashGrep, 'perStepMs'), baselineWhat: `bash loop piping stdout through tee and grep, ${steps} steps`, target: { on: 'ratio', max: 2.0 },
        samples: { value: perStep('rrRules'), baseline: perStep('bashGrep') },
      }),
      makeRow({
        id: 'step.run_wall', what: `whole \`run\` of the ${steps}-step flow`, value: medianOf(res.rr, 'ms'), unit: 'ms', baseline: medianOf(res.bash, 'ms'), baselineWhat,
        samples: { value: res.rr.map((r) => r.ms), baseline: res.bash.map((r) => r.ms) },
      }),
      makeRow({ id: 'step.fixed', what: '`run` fixed cost (wall minus the steps)', value: medianOf(res.rr, 'fixedMs'), unit: 'ms', samples: { value: res.rr.map((r) => r.fixedMs) } }),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
