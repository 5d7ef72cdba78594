// cgroup v2, the kernel's way to hold every process a step started, even one that called
// setsid or double-forked: children are born in their parent's cgroup and cannot leave it
// without write access to a cgroup.procs file. This module finds where this process's own
// cgroup is mounted (from /proc/self/mountinfo and /proc/self/cgroup, never a fixed path) and
// does the few file operations road_runner needs on groups below it.

import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Directory of this process's own cgroup in a mounted cgroup v2 hierarchy, or null when there is none. */
export function findOwnCgroup(): string | null {
  if (process.platform !== 'linux') return null;
  let own: string | undefined;
  try {
    // The unified hierarchy is the line with id 0 and no controller list: `0::/path`.
    own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((line) => line.startsWith('0::'))?.slice(3);
  } catch {
    return null;
  }
  if (own === undefined || !own.startsWith('/')) return null;
  for (const mount of cgroup2Mounts()) {
    const rel = path.posix.relative(mount.root, own);
    if (rel.startsWith('..')) continue; // our cgroup lies outside what this mount shows
    return path.join(mount.point, rel);
  }
  return null;
}

/** True when `dir` is a directory inside a mounted cgroup v2 hierarchy (not its root) holding cgroup.procs. */
export function isCgroupDir(dir: string): boolean {
  if (!path.isAbsolute(dir) || path.normalize(dir) !== dir) return false;
  const inside = cgroup2Mounts().some((m) => dir.startsWith(`${m.point}/`));
  if (!inside) return false;
  try {
    readFileSync(path.join(dir, 'cgroup.procs'), 'latin1');
    return true;
  } catch {
    return false;
  }
}

/** Creates a group; an existing one is kept. */
export function createGroup(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Moves a process (with all its threads) into a group. Throws what the kernel said (EACCES, EBUSY, …). */
export function moveProcess(dir: string, pid: number): void {
  writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

/** Removes an empty group: 'removed' (or already gone), 'busy' while a process is inside, 'failed' otherwise. */
export function removeGroup(dir: string): 'removed' | 'busy' | 'failed' {
  try {
    rmdirSync(dir);
    return 'removed';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'removed';
    // EBUSY: a live process is inside; ENOTEMPTY: child groups are left.
    return code === 'EBUSY' || code === 'ENOTEMPTY' ? 'busy' : 'failed';
  }
}

/** The processes in a group (not its child groups); [] when it is gone. */
export function listGroupProcesses(dir: string): number[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'cgroup.procs'), 'latin1');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const line of text.split('\n')) if (line !== '') pids.push(Number(line));
  return pids.filter((pid) => Number.isInteger(pid) && pid > 1);
}

/** A group's process list kept open: each look is one positioned read (asked after every step). */
export interface ProcessList {
  read(): number[];
  close(): void;
}

/** Opens a group's cgroup.procs for repeated reading; reading from offset 0 lists it afresh. */
export function openProcessList(dir: string): ProcessList {
  const fd = openSync(path.join(dir, 'cgroup.procs'), 'r');
  let buffer = Buffer.allocUnsafe(4096);
  return {
    read() {
      let length = 0;
      for (;;) {
        const n = readSync(fd, buffer, length, buffer.length - length, length);
        if (n === 0) break;
        length += n;
        if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      }
      const pids: number[] = [];
      let value = 0;
      for (let i = 0; i < length; i++) {
        const c = buffer[i]!;
        if (c === 10) {
          if (value > 1) pids.push(value);
          value = 0;
        } else {
          value = value * 10 + (c - 48);
        }
      }
      return pids;
    },
    close: () => closeSync(fd),
  };
}

/** The child groups of a group (names of sub-folders that hold cgroup.procs). */
export function listChildGroups(dir: string): string[] {
  try {
    // A cgroup folder's sub-folders are exactly its child groups (its interface files are files).
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name));
  } catch {
    return [];
  }
}

/**
 * SIGKILL to every process in the group and its descendants at once (cgroup.kill, Linux 5.14+).
 * False when the kernel has no cgroup.kill: the caller signals process by process instead.
 */
export function killGroupAtOnce(dir: string): boolean {
  try {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false;
  }
}

interface Cgroup2Mount {
  /** The folder of the hierarchy this mount shows (`/` unless a sub-tree is bind-mounted). */
  root: string;
  point: string;
}

function cgroup2Mounts(): Cgroup2Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const mounts: Cgroup2Mount[] = [];
  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const fstype = line.slice(dash + 3).split(' ')[0];
    if (fstype !== 'cgroup2') continue;
    const fields = line.slice(0, dash).split(' ');
    const root = fields[3];
    const point = fields[4];
    if (root === undefined || point === undefined) continue;
    mounts.push({ root: unescapeMountField(root), point: unescapeMountField(point) });
  }
  return mounts;
}

// mountinfo writes space, tab, newline and backslash as octal escapes (\040 …).
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
