// The entries of runs/ that are runs: direct children named like a run id, looked at with
// lstat so that a symlink is seen as a link and never followed. Host-wide dot files
// (.lock, .lock-owner.json, .journal.json, .sim-rails) never match a run id.

import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { nearest } from '../config/suggest.js';
import { UsageError } from '../errors.js';
import { isRunId, runsDir } from '../records/layout.js';

/** What a run-named entry of runs/ is on disk. */
export type RunEntryKind = 'folder' | 'symlink' | 'other';

/** A direct child of runs/ whose name is a run id. */
export interface RunEntry {
  id: string;
  path: string;
  kind: RunEntryKind;
  /** mtime of the entry itself (of the link, for a symlink). */
  mtime: Date;
  /** Where a symlink points (not followed), else null. */
  link_target: string | null;
}

/** Lists the run-named entries of `runsDirPath` (none when it does not exist), ids in ascending order. */
export function listRunEntries(runsDirPath: string): RunEntry[] {
  let names: string[];
  try {
    names = readdirSync(runsDirPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: RunEntry[] = [];
  for (const name of names.filter(isRunId).sort()) {
    const entry = inspectRunEntry(runsDirPath, name);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Looks at one run-named entry without following it; null when it vanished meanwhile. */
export function inspectRunEntry(runsDirPath: string, id: string): RunEntry | null {
  const path = join(runsDirPath, id);
  try {
    const st = lstatSync(path);
    const kind: RunEntryKind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'folder' : 'other';
    return { id, path, kind, mtime: st.mtime, link_target: kind === 'symlink' ? readLinkText(path) : null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The run folder a user named: a run id whose entry in runs/ is a real folder. Throws
 * UsageError (exit 2) naming the id and the closest known run id otherwise.
 */
export function resolveRunFolder(root: string, id: string): RunEntry {
  const dir = runsDir(root);
  const entries = listRunEntries(dir);
  const found = isRunId(id) ? entries.find((e) => e.id === id) : undefined;
  if (found && found.kind === 'folder') return found;
  if (found) {
    const what = found.kind === 'symlink' ? `a symlink (to ${found.link_target ?? '?'}), which road_runner does not follow` : 'not a folder';
    throw new UsageError(`run ${id} in ${dir} is ${what}`, 'replace it with the run folder itself');
  }
  const why = isRunId(id) ? `run ${id} not found in ${dir}` : `"${id}" is not a run id (they look like rr-20240131T120000Z-a1b2c3)`;
  throw new UsageError(why, suggestRunId(id, entries.map((e) => e.id), dir));
}

/** The known run id closest to `id` (edit distance; ties go to the newest), or null when there is none. */
export function findClosestRunId(id: string, known: readonly string[]): string | null {
  return nearest(id, [...known].sort().reverse())?.candidate ?? null;
}

function suggestRunId(id: string, known: string[], dir: string): string {
  const near = findClosestRunId(id, known);
  if (near === null) return `there is no run under ${dir}; check --root, or make one with \`road_runner run\``;
  return `the closest known run id is ${near}; list them with \`road_runner runs list\``;
}

function readLinkText(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
