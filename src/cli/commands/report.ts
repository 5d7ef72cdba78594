import type { CommandContext } from '../context.js';
import { requireRunId } from '../runRef.js';

/** `road_runner report RUN_ID|latest` (or --run-id ID): re-renders report.md and report.html from the saved records. */
export default async function report(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const runId = requireRunId(ctx.root, args, 'report');
  const { renderReports } = await import('../../report/render.js');
  const result = await renderReports(ctx.root, runId);
  for (const problem of result.problems) ctx.err(`problem: ${problem}`);
  for (const warning of result.warnings.filter((w) => !result.problems.includes(w))) ctx.err(`warning: ${warning}`);
  ctx.out(`wrote ${result.md}`);
  ctx.out(`wrote ${result.html}`);
  if (result.problems.length > 0) {
    ctx.err(`run ${runId} has ${result.problems.length} missing or damaged record${result.problems.length === 1 ? '' : 's'} (listed above); the reports show what could be read`);
    return 2;
  }
  return 0;
}
