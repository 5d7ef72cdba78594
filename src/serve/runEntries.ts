// Turns the ids and names of a request into paths, only through the real entries of runs/:
// a run id is served only when runs/<id> is a folder (lstat: a symlink is never followed), a
// sub-run only when it is one of that run's sub-run folders, a log only when it is a regular
// file listed in that sub-run's stdout/ or stderr/ folder. Anything else is null (404).

import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { isRunId, isSubrunId, runsDir } from '../records/layout.js';
import { runFolderLayout, type RunFolderLayout } from '../records/runFolderLayout.js';

/** A run folder found under runs/. */
export interface FoundRun {
  id: string;
  dir: string;
}

/** The folder of run `id`, or null unless it is a real folder directly inside runs/. */
export function findRun(root: string, id: string): FoundRun | null {
  if (!isRunId(id)) return null;
  const base = runsDir(root);
  const dir = join(base, id);
  try {
    if (!lstatSync(dir).isDirectory()) return null;
    // runs/ itself may be a link the user made; the run folder must still lie inside it.
    const real = realpathSync(dir);
    if (real !== join(realpathSync(base), id)) return null;
  } catch {
    return null;
  }
  return { id, dir };
}

/** The layout of a found run, with sub-run `subrunId` checked to be one of its folders; null otherwise. */
export function findSubrun(run: FoundRun, subrunId: string): { layout: RunFolderLayout; dir: string } | null {
  if (!isSubrunId(subrunId) || !subrunId.startsWith(`${run.id}-s`)) return null;
  const layout = runFolderLayout(run.dir, run.id);
  const dir = layout.subrunDir(subrunId);
  try {
    if (!lstatSync(dir).isDirectory()) return null;
  } catch {
    return null;
  }
  return { layout, dir };
}

/** Log file names: what stepLogName writes (`00_<step-id>.log`, with an optional repeat). */
const LOG_NAME = /^[0-9]{2,}_[A-Za-z0-9._-]{1,200}\.log$/;

/** The path of a step log, or null unless it is a regular file listed in the sub-run's `stream` folder. */
export function findStepLog(subrunDir: string, stream: 'stdout' | 'stderr', name: string): string | null {
  if (!LOG_NAME.test(name) || name.includes('..')) return null;
  const folder = join(subrunDir, stream);
  try {
    if (!lstatSync(folder).isDirectory()) return null;
    if (!readdirSync(folder).includes(name)) return null;
    const path = join(folder, name);
    if (!lstatSync(path).isFile()) return null;
    return path.startsWith(subrunDir + sep) ? path : null;
  } catch {
    return null;
  }
}
