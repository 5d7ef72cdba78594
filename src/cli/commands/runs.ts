import { UsageError } from '../../errors.js';
import { listRuns } from '../../runs/catalog.js';
import { showRun } from '../../runs/runDetail.js';
import { renderRunDetail, renderRunList } from '../../runs/runsText.js';
import type { CommandContext } from '../context.js';

interface RunsArgs {
  action: 'list' | 'show';
  id?: string;
  json?: boolean;
}

/** `road_runner runs list|show ID [--json]`: the runs of the workspace, or one of them in detail. */
export default async function runs(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as RunsArgs;
  if (a.action === 'list') {
    if (a.id !== undefined) throw new UsageError(`runs list takes no run id (got ${a.id})`, 'use `road_runner runs show ID` for one run');
    const rows = listRuns(ctx.root);
    if (a.json) ctx.out(JSON.stringify(rows, null, 2));
    else for (const line of renderRunList(rows)) ctx.out(line);
    return 0;
  }
  if (a.id === undefined || a.id === '') throw new UsageError('runs show needs a run id', 'e.g. `road_runner runs show rr-20240131T120000Z-a1b2c3`; list them with `road_runner runs list`');
  const detail = showRun(ctx.root, String(a.id));
  if (a.json) ctx.out(JSON.stringify(detail, null, 2));
  else for (const line of renderRunDetail(detail, ctx.cwd)) ctx.out(line);
  return 0;
}
