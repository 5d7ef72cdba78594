import { ConfigError } from '../../errors.js';
import { loadValidators } from '../../config/validate.js';
import { loadWorkspace } from '../../workspace/load.js';
import type { CommandContext } from '../context.js';

/** `road_runner list-flows`: name, file, steps and description of every flow. */
export default async function listFlows(ctx: CommandContext): Promise<number> {
  const ws = loadWorkspace(await loadValidators(), ctx.root, { envPath: ctx.env.PATH ?? '', margins: [] });
  const flowProblems = ws.problems.filter((p) => p.file.startsWith('flows/'));
  if (ws.flows.length === 0 && flowProblems.length === 0) {
    ctx.out('no flows in flows/');
    return 0;
  }
  for (const f of ws.flows) {
    const steps = f.data.steps.map((s) => s.id).join(', ');
    ctx.out(`${f.data.name}  (${f.source.file})  ${f.data.steps.length} steps: ${steps}${f.data.description ? `\n    ${f.data.description}` : ''}`);
  }
  if (flowProblems.length > 0) throw new ConfigError(flowProblems);
  return 0;
}
