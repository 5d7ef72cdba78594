// What stopped a run from the inside, in one line: a record that could not be written (disk
// full, read-only, run folder removed) or our own bug. Runs only on the failure path.

import { accessSync, constants, statfsSync } from 'node:fs';
import { RrError, RunFault } from '../errors.js';

/** Why a run stopped from the inside; `isBug` when it was road_runner's own error (its stack goes to a file). */
export interface FaultDescription {
  reason: string;
  isBug: boolean;
}

const SPACE_CODES: Record<string, string> = { ENOSPC: 'disk full', EDQUOT: 'disk quota exceeded', EFBIG: 'file size limit', EROFS: 'read-only file system' };

/** One line for a failure that stopped a run. */
export function describeFault(error: unknown): FaultDescription {
  const cause = error instanceof RunFault ? error.error : error;
  if (cause instanceof RrError) return { reason: cause.message, isBug: false };
  const e = cause as NodeJS.ErrnoException | undefined;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const what = SPACE_CODES[e.code] ?? (e.code === 'ENOENT' ? 'the folder was removed' : e.code);
    return { reason: `records could not be written: cannot ${e.syscall}${e.path ? ` ${e.path}` : ''}: ${e.code} (${what})`, isBug: false };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { reason: `internal error (a bug in road_runner): ${message.split('\n')[0]}`, isBug: true };
}

/** Free space below which a folder's file system counts as full. */
const FULL_BYTES = 64 * 1024;

/**
 * Why records can no longer be written in `dir`, or null: the folder is gone, not writable, or its
 * file system is full (blocks or inodes). Called after a step did not pass, never on the hot path.
 */
export function recordsProblem(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the run folder was removed (${dir} is gone)`;
    return `${dir} is not writable (${code}${code === 'EROFS' ? ': read-only file system' : ''})`;
  }
  let fs: ReturnType<typeof statfsSync>;
  try {
    fs = statfsSync(dir);
  } catch {
    return null;
  }
  // root may use the blocks the file system keeps back from other users.
  const isRoot = process.geteuid?.() === 0;
  const free = (isRoot ? fs.bfree : fs.bavail) * fs.bsize;
  if (free < FULL_BYTES) return `the file system holding ${dir} is full (${free} bytes free)`;
  if (fs.files > 0 && fs.ffree === 0) return `the file system holding ${dir} has no free inodes`;
  return null;
}
