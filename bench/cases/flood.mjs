// A diagnostic printing 1 GiB to stdout (quick: 128 MiB) through `road_runner run`, against the
// same executable redirected to a file by the shell. Two adapters: no output rules (the child
// writes the file itself) and a fail regex + metric (every byte is piped through the scanner).

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clearRuns, measureCli, onlyRunDir, readEvents, runArgs } from '../lib/cli.mjs';
import { assertExitZero, measure } from '../lib/measure.mjs';
import { makeRow } from '../lib/rows.mjs';
import { medianOf, runInterleaved } from '../lib/stats.mjs';
import { buildFloodWorkspace, makeTempDir } from '../lib/workspaces.mjs';

const MIB = 1024 * 1024;

async function runFlood(ws, kind, mib) {
  clearRuns(ws.root);
  const r = await measureCli(`road_runner run (flood ${kind})`, runArgs(ws, `flood_${kind}`), { cwd: ws.root });
  const runDir = onlyRunDir(ws.root);
  const events = readEvents(runDir);
  const end = events.find((e) => e.event === 'step_end');
  const start = events.find((e) => e.event === 'step_start');
  // Sub-run folders live in subruns/ (SPEC §5.3); the log is named by the step_start event.
  const base = existsSync(join(runDir, 'subruns')) ? join(runDir, 'subruns') : runDir;
  const sub = readdirSync(base).find((name) => /-s\d+$/.test(name));
  const bytes = statSync(join(base, sub, 'stdout', start.log_name)).size;
  if (end.status !== 'passed' || bytes !== mib * MIB) throw new Error(`flood ${kind}: step ${end.status}, ${bytes} bytes captured, expected ${mib * MIB}`);
  clearRuns(ws.root);
  return { ...r, stepMs: end.duration_ms };
}

/** Rows for a diagnostic flooding stdout. */
export async function benchFlood({ quick, log }) {
  const mib = quick ? 128 : 1024;
  const reps = quick ? 1 : 3;
  const root = makeTempDir('flood');
  try {
    const ws = buildFloodWorkspace(root, mib);
    const shellOut = join(root, 'shell.out');
    log(`flood: ${mib} MiB, ${reps} interleaved repetitions`);
    const res = await runInterleaved({
      shell: async () => {
        const r = assertExitZero('sh -c flood > file', await measure('/bin/sh', ['-c', '"$0" "$1" > "$2"', ws.flood, String(mib), shellOut]));
        if (statSync(shellOut).size !== mib * MIB) throw new Error(`shell baseline wrote ${statSync(shellOut).size} bytes`);
        rmSync(shellOut, { force: true });
        return r;
      },
      plain: () => runFlood(ws, 'plain', mib),
      scanned: () => runFlood(ws, 'scanned', mib),
    }, reps);
    const shell = medianOf(res.shell, 'ms');
    const baselineWhat = `sh -c 'flood ${mib} > file'`;
    const rows = [];
    for (const [kind, label] of [['plain', 'no output rules, fd'], ['scanned', 'fail regex + metric, piped']]) {
      const what = `\`run\`: diagnostic prints ${mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`} (${label})`;
      rows.push(makeRow({ id: `flood.${kind}.time`, what, value: medianOf(res[kind], 'ms'), unit: 'ms', baseline: shell, baselineWhat, target: { on: 'ratio', max: 1.2 }, samples: { value: res[kind].map((r) => r.ms), baseline: res.shell.map((r) => r.ms) } }));
      rows.push(makeRow({ id: `flood.${kind}.step`, what: `${what}, step duration only`, value: medianOf(res[kind], 'stepMs'), unit: 'ms', baseline: shell, baselineWhat, samples: { value: res[kind].map((r) => r.stepMs) } }));
      rows.push(makeRow({ id: `flood.${kind}.rss`, what: `${what}, peak RSS`, value: medianOf(res[kind], 'peakKib') / 1024, unit: 'MiB', target: { on: 'value', max: 150, strict: true }, samples: { value: res[kind].map((r) => r.peakKib / 1024) } }));
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
