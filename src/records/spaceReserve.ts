// Room for a run's last records on a full disk. When a run starts, a file of incompressible
// bytes is written in its folder; when the disk fills up mid-run (a diagnostic's output, another
// process), the file is deleted, and the space it held takes the closing records: the rail
// restores in steps.ldjson and the final summaries. Another process may still take that space
// first; then the summaries say what they can and the command still ends with one line, exit 4.

import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Name of the reserve file in a run folder (removed at the end of every run, and by recovery). */
export const SPACE_RESERVE_FILE = '.space-reserve';

/** Space held for the closing records. */
export interface SpaceReserve {
  /** Frees the space; true if this call freed it. Never throws. */
  release: () => boolean;
}

/** Bytes to hold for closing records whose largest part is `summaryBytes` (written as temp file + rename). */
export function reserveSize(summaryBytes: number): number {
  return Math.max(1024 * 1024, 3 * summaryBytes + 256 * 1024);
}

/** Writes the reserve file (throws when the disk has not even that much room: nothing was touched yet). */
export function reserveSpace(file: string, bytes: number): SpaceReserve {
  const fd = openSync(file, 'w', 0o600);
  try {
    // Random bytes: a compressing file system (btrfs, ZFS) would store zeros in no space at all.
    const block = randomBytes(Math.min(bytes, 1024 * 1024));
    for (let done = 0; done < bytes; ) done += writeSync(fd, block, 0, Math.min(block.length, bytes - done));
  } catch (error) {
    closeSync(fd);
    release(file);
    throw error;
  }
  closeSync(fd);
  let held = true;
  return {
    release: () => {
      if (!held) return false;
      held = false;
      return release(file);
    },
  };
}

function release(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false; // gone with its folder
  }
}

/** A write failed for lack of room (blocks, inodes or quota). */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}
