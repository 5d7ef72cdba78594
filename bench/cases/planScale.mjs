// `road_runner plan` of a large grid: 1000 × 100 = 100,000 points × 3 steps (quick: 100 × 100).

import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clearRuns, measureCli, onlyRunDir } from '../lib/cli.mjs';
import { makeRow } from '../lib/rows.mjs';
import { medianOf, runInterleaved } from '../lib/stats.mjs';
import { buildPlanScaleWorkspace, makeTempDir } from '../lib/workspaces.mjs';

function checkPlan(file, points) {
  const plan = JSON.parse(readFileSync(file, 'utf8'));
  const steps = plan.subruns[0]?.steps.length;
  if (plan.subruns.length !== points || steps !== 3) throw new Error(`plan has ${plan.subruns.length} sub-runs × ${steps} steps, expected ${points} × 3`);
}

/** Rows for planning at scale. */
export async function benchPlanScale({ quick, log }) {
  const [vcores, freqs] = quick ? [100, 100] : [1000, 100];
  const reps = quick ? 2 : 3;
  const root = makeTempDir('plan');
  try {
    const ws = buildPlanScaleWorkspace(root, vcores, freqs);
    log(`plan scale: ${ws.points} points × 3 steps, ${reps} repetitions`);
    let planBytes = 0;
    const res = await runInterleaved({
      plan: async (rep) => {
        const r = await measureCli('road_runner plan (scale)', ['plan', '--flow', ws.flow, '--margin', ws.margin, '--root', ws.root, '--host', ws.host], { cwd: root });
        const file = join(onlyRunDir(root), 'plan.json');
        planBytes = statSync(file).size;
        if (rep === 0) checkPlan(file, ws.points);
        clearRuns(root);
        return r;
      },
    }, reps);
    const label = `${ws.points.toLocaleString('en-US')} points × 3 steps`;
    const note = `plan.json ${(planBytes / 1024 / 1024).toFixed(0)} MiB; cpu ${(medianOf(res.plan, 'cpuMs') / 1000).toFixed(2)} s user+sys`;
    return [
      makeRow({ id: 'plan_scale.wall', what: `\`plan\` of ${label}`, value: medianOf(res.plan, 'ms'), unit: 'ms', target: { on: 'value', max: 2000, strict: true }, note, samples: { value: res.plan.map((r) => r.ms) } }),
      makeRow({ id: 'plan_scale.rss', what: `\`plan\` of ${label}, peak RSS`, value: medianOf(res.plan, 'peakKib') / 1024, unit: 'MiB', target: { on: 'value', max: 300, strict: true }, samples: { value: res.plan.map((r) => r.peakKib / 1024) } }),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
