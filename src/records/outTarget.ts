// Where `--out FILE` may write (SPEC §6, for `export` and `bundle` alike): a new file or a
// regular file to replace, in an existing folder; never a device, a folder, or through a symlink.

import { lstatSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Throws UsageError (exit 2) when `target` may not be written; the file is then replaced by a
 * rename. `who` names the writer in the message ("export", "a bundle").
 */
export function checkOutTarget(target: string, who: string): void {
  const folder = path.dirname(target);
  let folderStat: Stats | null;
  try {
    folderStat = statSync(folder);
  } catch {
    folderStat = null;
  }
  if (!folderStat?.isDirectory()) throw new UsageError(`cannot write ${target}: ${folder} is not a folder`, 'create it first, or pass --out - for stdout');
  let st: Stats;
  try {
    st = lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path and its permissions');
  }
  if (st.isFile()) return;
  const kind = st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a folder' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device'
    : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : 'not a regular file';
  throw new UsageError(`--out ${target} is ${kind}; ${who} replaces only a regular file`,
    'name a new or regular file, or pass --out - and redirect stdout where you want it (e.g. `--out - > /dev/null`)');
}
