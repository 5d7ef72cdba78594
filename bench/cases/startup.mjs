// Start-up: `road_runner --help` and `road_runner plan` of the sample workspace, each against
// `node -e 0` measured in the same interleaved repetitions.

import { rmSync } from 'node:fs';
import { clearRuns, measureCli } from '../lib/cli.mjs';
import { assertExitZero, measure } from '../lib/measure.mjs';
import { makeRow } from '../lib/rows.mjs';
import { medianOf, runInterleaved } from '../lib/stats.mjs';
import { copySampleWorkspace, makeTempDir } from '../lib/workspaces.mjs';

/** Rows for CLI start-up. */
export async function benchStartup({ quick, log }) {
  const reps = quick ? 5 : 15;
  const root = makeTempDir('startup');
  try {
    const ws = copySampleWorkspace(root);
    log(`start-up: ${reps} interleaved repetitions`);
    const res = await runInterleaved({
      node: async () => assertExitZero('node -e 0', await measure(process.execPath, ['-e', '0'])),
      help: () => measureCli('road_runner --help', ['--help']),
      plan: async () => {
        const r = await measureCli('road_runner plan (sample)', ['plan', '--flow', ws.flow, '--margin', ws.margin, '--root', ws.root, '--host', ws.host], { cwd: root });
        clearRuns(root);
        return r;
      },
    }, reps);
    const node = medianOf(res.node, 'ms');
    const ms = (name) => res[name].map((r) => r.ms);
    return [
      makeRow({ id: 'startup.help', what: '`road_runner --help`', value: medianOf(res.help, 'ms'), unit: 'ms', baseline: node, baselineWhat: 'node -e 0', target: { on: 'ratio', max: 3 }, samples: { value: ms('help'), baseline: ms('node') } }),
      makeRow({ id: 'startup.plan', what: '`road_runner plan` of the sample (saved host)', value: medianOf(res.plan, 'ms'), unit: 'ms', baseline: node, baselineWhat: 'node -e 0', target: { on: 'ratio', max: 5 }, samples: { value: ms('plan'), baseline: ms('node') } }),
      makeRow({ id: 'startup.plan_rss', what: '`road_runner plan` of the sample, peak RSS', value: medianOf(res.plan, 'peakKib') / 1024, unit: 'MiB', baseline: medianOf(res.node, 'peakKib') / 1024, baselineWhat: 'node -e 0' }),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
