import { rmSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { planSweep } from '../../plan/planSweep.js';
import { newRunId, randomHex6, runDir } from '../../records/layout.js';
import { writePlanFile } from '../../records/planFile.js';
import { loadHost } from '../../workspace/host.js';
import { loadSweepInputs } from '../sweepInputs.js';
import { renderPlanMatrix } from '../planTable.js';

interface PlanArgs {
  flow: string;
  margin: string;
  profile?: string;
  seed?: number;
  json?: boolean;
}

/** `road_runner plan`: expand, check, and write runs/<RUN_ID>/plan.json only when safe. */
export default async function plan(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as PlanArgs;
  const inputs = await loadSweepInputs(ctx, a.flow, a.margin);
  const host = await loadHost(inputs.validators, ctx.cwd, ctx.hostFile, ctx.root);
  const now = new Date();
  const { plan: result } = planSweep({
    workspace: inputs.workspace,
    flow: inputs.flow,
    margin: inputs.margin,
    host: host.facts,
    profile: a.profile,
    runId: newRunId(now, randomHex6),
    createdAt: now.toISOString(),
    seed: a.seed,
    randomSeed: () => randomInt(0, 2 ** 32),
  });
  const dir = runDir(ctx.root, result.run_id);
  const file = path.join(dir, 'plan.json');
  try {
    writePlanFile(file, result);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true }); // a fresh run id: nothing else lives there
    throw error;
  }
  if (a.json) {
    ctx.out(JSON.stringify(result, null, 2));
  } else {
    for (const line of renderPlanMatrix(result)) ctx.out(line);
    ctx.out('');
    ctx.out(`host: ${host.origin}`);
    ctx.out(`plan written to ${path.relative(ctx.cwd, file) || file}`);
  }
  return 0;
}
