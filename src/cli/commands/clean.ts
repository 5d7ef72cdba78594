import { ExitCode } from '../../errors.js';
import { runsDir } from '../../records/layout.js';
import { applyClean, parseOlderThan, planClean } from '../../runs/clean.js';
import { renderCleanResult } from '../../runs/cleanText.js';
import type { CommandContext } from '../context.js';

/** `road_runner clean --older-than N [--dry-run]`: remove old runs, never the locked or unrecovered one. */
export default async function clean(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const days = parseOlderThan(args['older-than']);
  const dir = runsDir(ctx.root);
  const plan = planClean(dir, days, new Date());
  const result = applyClean(dir, plan, { dryRun: args['dry-run'] === true });
  for (const line of renderCleanResult(result, days, plan.recent)) ctx.out(line);
  return result.failed.length > 0 ? ExitCode.runtime : ExitCode.ok;
}
