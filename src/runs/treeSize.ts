// The bytes a folder takes, walked with lstat only: symlinks count as themselves (the length
// of the link) and are never followed, so a link to /home costs nothing and reads nothing.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The size of a file tree. */
export interface TreeSize {
  /** Apparent size of every entry (files, links, folders), hard links counted once, like `du -sb`. */
  bytes: number;
  entries: number;
}

/** Measures `path` without following any symlink (a symlink `path` is measured as the link). */
export function measureTree(path: string): TreeSize {
  const seenInodes = new Set<string>();
  const total: TreeSize = { bytes: 0, entries: 0 };
  const pending: string[] = [path];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    let st;
    try {
      st = lstatSync(current, { bigint: false });
    } catch {
      continue; // vanished or unreadable: it frees nothing we can count
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const inode = `${st.dev}:${st.ino}`;
      if (seenInodes.has(inode)) continue;
      seenInodes.add(inode);
    }
    total.bytes += st.size;
    total.entries += 1;
    if (!st.isDirectory()) continue;
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      continue;
    }
    for (const name of names) pending.push(join(current, name));
  }
  return total;
}

/** Formats a byte count as `512 B`, `1.5 KiB`, `23.4 MiB`, `2.00 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ${units[unit]}`;
}
