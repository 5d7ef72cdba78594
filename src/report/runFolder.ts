// Finds the folder of a run a user named, or says clearly why it cannot.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { isRunId, runDir, runsDir } from '../records/layout.js';

/** The folder of an existing run; UsageError (exit 2) for a malformed or unknown run id. */
export function resolveRunFolder(root: string, runId: string): string {
  const dir = runDir(root, runId);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const known = listRecentRuns(root, 5);
    const hint = known.length === 0
      ? `there is no run under ${runsDir(root)}; check --root or create one with \`road_runner run\``
      : `most recent runs: ${known.join(', ')}`;
    throw new UsageError(`run ${runId} not found in ${runsDir(root)}`, hint);
  }
  return dir;
}

/** The newest run ids of a workspace (run ids sort by time). */
export function listRecentRuns(root: string, count: number): string[] {
  let names: string[];
  try {
    names = readdirSync(runsDir(root));
  } catch {
    return [];
  }
  return names.filter(isRunId).sort().reverse().slice(0, count);
}
