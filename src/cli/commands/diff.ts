import { diffRuns } from '../../runs/diff.js';
import { renderDiff } from '../../runs/diffText.js';
import type { CommandContext } from '../context.js';
import { resolveRunRef } from '../runRef.js';

/** `road_runner diff RUN_A RUN_B [--json]` (either may be `latest`): what changed between two runs of a sweep; exit 0 either way. */
export default async function diff(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const result = await diffRuns(ctx.root, resolveRunRef(ctx.root, String(args.run_a)), resolveRunRef(ctx.root, String(args.run_b)));
  if (args.json === true) ctx.out(JSON.stringify(result, null, 2));
  else for (const line of renderDiff(result)) ctx.out(line);
  return 0;
}
