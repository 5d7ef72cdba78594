import { formatProblem } from '../../errors.js';
import { loadValidators } from '../../config/validate.js';
import { checkAvailableAdapters, loadWorkspace } from '../../workspace/load.js';
import type { CommandContext } from '../context.js';

/** `road_runner validate [--json]`: every file of the workspace, every problem, exit 2 if any. */
export default async function validate(ctx: CommandContext, args: Record<string, unknown> = {}): Promise<number> {
  const validators = await loadValidators();
  const ws = loadWorkspace(validators, ctx.root, { envPath: ctx.env.PATH ?? '' });
  // Shipped actuators waiting in adapters/available/: checked too, though not loaded.
  const available = checkAvailableAdapters(validators, ctx.root, ctx.env.PATH ?? '');
  ws.problems.push(...available.problems);
  const counts = { adapters: ws.adapters.length, flows: ws.flows.length, margins: ws.margins.length, profiles: ws.profiles.length, policy: ws.policy ? 1 : 0 };
  const files = counts.adapters + counts.flows + counts.margins + counts.profiles + counts.policy;
  const warnings = Object.entries(ws.executables).filter(([, ref]) => !ref.found)
    .map(([name, ref]) => `adapter ${name}: executable ${ref.ref} is not ${ref.kind === 'path' ? 'on PATH' : 'an executable file'} on this machine (a run would stop with exit 4)`);
  if (args.json === true) {
    // README "JSON output": {ok, files: {adapters, flows, margins, profiles, policy}, problems: [{file, line, col, path, message, hint}], warnings: [text]}.
    ctx.out(JSON.stringify({ ok: ws.problems.length === 0, files: counts, problems: ws.problems, warnings }, null, 2));
    return ws.problems.length > 0 ? 2 : 0;
  }
  for (const p of ws.problems) ctx.err(formatProblem(p));
  for (const w of warnings) ctx.err(`warning: ${w}`);
  if (ws.problems.length > 0) {
    ctx.err(`${ws.problems.length} problem${ws.problems.length === 1 ? '' : 's'} found; nothing is valid until all are fixed`);
    return 2;
  }
  ctx.out(`ok: ${files} valid file${files === 1 ? '' : 's'} (${ws.adapters.length} adapters, ${ws.flows.length} flows, ${ws.margins.length} margins, ${ws.profiles.length} profiles, policy)`);
  if (available.files > 0) ctx.out(`ok: ${available.files} available adapter${available.files === 1 ? '' : 's'} in adapters/available/ (not in use; move one into adapters/ to use it)`);
  return 0;
}
