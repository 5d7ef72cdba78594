import { ConfigError } from '../errors.js';
import type { Flow, Margin } from '../config/schemas/index.js';
import { loadValidators, type Validators } from '../config/validate.js';
import type { Loaded, Workspace } from '../config/workspaceTypes.js';
import { displayPath, loadWorkspace, locateInput } from '../workspace/load.js';
import type { CommandContext } from './context.js';

/** A workspace loaded for one sweep, with its flow and margin picked out. */
export interface SweepInputs {
  validators: Validators;
  workspace: Workspace;
  flow: Loaded<Flow>;
  margin: Loaded<Margin>;
}

/** Loads the workspace for `--flow F --margin M`; every problem found is thrown at once. */
export async function loadSweepInputs(ctx: CommandContext, flowArg: string, marginArg: string): Promise<SweepInputs> {
  const validators = await loadValidators();
  const flowPath = locateInput(ctx.root, ctx.cwd, flowArg, 'flows');
  const marginPath = locateInput(ctx.root, ctx.cwd, marginArg, 'margins');
  const workspace = loadWorkspace(validators, ctx.root, { flows: [flowPath], margins: [marginPath], envPath: ctx.env.PATH ?? '' });
  if (workspace.problems.length > 0) throw new ConfigError(workspace.problems);
  const flow = workspace.flows.find((f) => f.source.file === displayPath(ctx.root, flowPath));
  const margin = workspace.margins.find((m) => m.source.file === displayPath(ctx.root, marginPath));
  if (!flow || !margin) throw new ConfigError(workspace.problems);
  return { validators, workspace, flow, margin };
}
