// Finds processes by a marker in their environment: every diagnostic and actuator a run starts
// carries RR_RUN_ID=<run id>, every step's processes also RR_STEP_MARK=<sub-run id>/<step
// index>, and their children inherit both, whether or not they leave the process group. This
// is how leftovers are found where no cgroup can hold them, and recovery's proof (with the
// start time) that a process belongs to the crashed run.

import { readdirSync, readFileSync } from 'node:fs';

/** A `NAME=value` pair looked for in environments. */
export interface Marker {
  name: string;
  value: string;
}

/**
 * Live processes (not zombies, not this process) whose environment holds the marker. With
 * `minPid`, only processes with a pid of at least that are read (a step's processes were all
 * created after its first one; the caller decides when pids may have wrapped around).
 */
export function findMarkedProcesses(marker: Marker, minPid = 0): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${marker.name}=${marker.value}`);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(entry);
    if (pid < minPid || pid === process.pid) continue;
    if (holdsMarker(pid, needle) && isLive(pid)) found.push(pid);
  }
  return found;
}

/** True when the process's environment holds the marker (false when it is gone or unreadable). */
export function hasMarker(pid: number, marker: Marker): boolean {
  return holdsMarker(pid, Buffer.from(`${marker.name}=${marker.value}`));
}

/** The last pid the kernel handed out in this pid namespace (/proc/loadavg), or null. */
export function lastPid(): number | null {
  try {
    const last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ')[4]);
    return Number.isInteger(last) ? last : null;
  } catch {
    return null;
  }
}

function holdsMarker(pid: number, needle: Buffer): boolean {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or not ours to read
  }
  // A whole variable: at the start or after a NUL, and followed by a NUL or the end.
  for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}

function isLive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = text.charAt(text.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X' && state !== '';
  } catch {
    return false;
  }
}
