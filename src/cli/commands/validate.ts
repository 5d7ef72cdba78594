import { formatProblem } from '../../errors.js';
import { loadValidators } from '../../config/validate.js';
import { loadWorkspace } from '../../workspace/load.js';
import type { CommandContext } from '../context.js';

/** `road_runner validate`: every file of the workspace, every problem, exit 2 if any. */
export default async function validate(ctx: CommandContext): Promise<number> {
  const ws = loadWorkspace(await loadValidators(), ctx.root, { envPath: ctx.env.PATH ?? '' });
  const files = ws.adapters.length + ws.flows.length + ws.margins.length + ws.profiles.length + (ws.policy ? 1 : 0);
  for (const p of ws.problems) ctx.err(formatProblem(p));
  const missing = Object.entries(ws.executables).filter(([, ref]) => !ref.found);
  for (const [name, ref] of missing) {
    ctx.err(`warning: adapter ${name}: executable ${ref.ref} is not ${ref.kind === 'path' ? 'on PATH' : 'an executable file'} on this machine (a run would stop with exit 4)`);
  }
  if (ws.problems.length > 0) {
    ctx.err(`${ws.problems.length} problem${ws.problems.length === 1 ? '' : 's'} found; nothing is valid until all are fixed`);
    return 2;
  }
  ctx.out(`ok: ${files} valid file${files === 1 ? '' : 's'} (${ws.adapters.length} adapters, ${ws.flows.length} flows, ${ws.margins.length} margins, ${ws.profiles.length} profiles, policy)`);
  return 0;
}
