import { UsageError } from '../../errors.js';
import { listRuns } from '../../runs/catalog.js';
import { showRun } from '../../runs/runDetail.js';
import { renderRunDetail, renderRunList } from '../../runs/runsText.js';
import type { CommandContext } from '../context.js';
import { givenRunId, requireRunId } from '../runRef.js';

interface RunsArgs {
  action: 'list' | 'show';
  id?: string;
  json?: boolean;
}

/** `road_runner runs list|show ID [--json]`: the runs of the workspace, or one of them in detail. */
export default async function runs(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as RunsArgs;
  if (a.action === 'list') {
    if (givenRunId(args, 'id') !== null) throw new UsageError(`runs list takes no run id (got ${givenRunId(args, 'id')})`, 'use `road_runner runs show ID` for one run');
    const rows = listRuns(ctx.root);
    if (a.json) ctx.out(JSON.stringify(rows, null, 2));
    else for (const line of renderRunList(rows)) ctx.out(line);
    return 0;
  }
  const detail = showRun(ctx.root, requireRunId(ctx.root, args, 'runs show', 'id'));
  if (a.json) ctx.out(JSON.stringify(detail, null, 2));
  else for (const line of renderRunDetail(detail, ctx.cwd)) ctx.out(line);
  return 0;
}
