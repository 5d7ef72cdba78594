// How every command names a run (SPEC §9): a positional RUN_ID, or the older --run / --run-id
// spellings, and `latest` for the newest run of the workspace.
import { UsageError } from '../errors.js';
import { runsDir } from '../records/layout.js';
import { listRuns } from '../runs/catalog.js';

/** The word that names the newest run wherever a run id is taken. */
export const LATEST = 'latest';

/** The run id a command was given, from the positional or the --run/--run-id option; null when none. */
export function givenRunId(args: Record<string, unknown>, positional = 'run_id'): string | null {
  const values = [args[positional], args['run-id'], args.runId, args.run].filter((v): v is string => typeof v === 'string' && v !== '');
  return values[0] ?? null;
}

/** Every distinct run id given (a positional and an option may both be there). */
function allGiven(args: Record<string, unknown>, positional: string): string[] {
  return [...new Set([args[positional], args['run-id'], args.runId, args.run].filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** Resolves `latest` to the run of the workspace that started last (as `runs list` orders them); other ids pass unchanged. */
export function resolveRunRef(root: string, ref: string): string {
  if (ref !== LATEST) return ref;
  // A symlink in runs/ is never followed, so it is never the latest run either.
  const newest = listRuns(root).find((row) => !row.notes.some((n) => n.startsWith('symlink')))?.id;
  if (newest === undefined) throw new UsageError(`"latest" names no run: there is none under ${runsDir(root)}`, 'start one with `road_runner run`, or check --root');
  return newest;
}

/** The run a command must act on: given (positional or option), `latest` resolved; UsageError when missing or named twice differently. */
export function requireRunId(root: string, args: Record<string, unknown>, usage: string, positional = 'run_id'): string {
  const given = allGiven(args, positional);
  if (given.length === 0) throw new UsageError(`${usage} needs a run id (or "latest")`, `e.g. road_runner ${usage} latest; list runs with \`road_runner runs list\``);
  const ids = [...new Set(given.map((ref) => resolveRunRef(root, ref)))];
  if (ids.length > 1) throw new UsageError(`two different runs named: ${given.join(' and ')}`, 'name the run once, as RUN_ID (or --run-id)');
  return ids[0]!;
}
