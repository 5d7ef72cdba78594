// Finds processes by a marker in their environment: every diagnostic and actuator a run starts
// carries RR_RUN_ID=<run id>, every step's processes also RR_STEP_MARK=<sub-run id>/<step
// index>, and their children inherit both, whether or not they leave the process group. This
// is how leftovers are found where no cgroup can hold them, and recovery's proof (with the
// start time) that a process belongs to the crashed run.

import { readdirSync, readFileSync } from 'node:fs';
import { isKernelThread, isZombie, readProcStat } from '../records/process.js';

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
  let unsure: number[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(entry);
    if (pid < minPid || pid === process.pid) continue;
    const seen = readMarker(pid, needle);
    if (seen === 'yes') found.push(pid);
    else if (seen === 'unsure') unsure.push(pid);
  }
  // A process in the middle of execve shows an empty environment for a moment (longer on a
  // loaded host): look again, until it shows one or the time is up.
  const deadline = performance.now() + UNSURE_WAIT_MS;
  for (let pauseMs = 1; unsure.length > 0 && performance.now() < deadline; pauseMs = Math.min(pauseMs * 2, 8)) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    const still: number[] = [];
    for (const pid of unsure) {
      const seen = readMarker(pid, needle);
      if (seen === 'yes') found.push(pid);
      else if (seen === 'unsure') still.push(pid);
    }
    unsure = still;
  }
  return found.sort((a, b) => a - b);
}

// How long an empty environment is read again before it is believed. A process that really
// has none (started by `env -i`) costs the scan that long; kernel threads are told apart at once.
const UNSURE_WAIT_MS = 100;

/** The last pid the kernel handed out in this pid namespace (/proc/loadavg), or null. */
export function lastPid(): number | null {
  try {
    const last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ')[4]);
    return Number.isInteger(last) ? last : null;
  } catch {
    return null;
  }
}

// Whether a live process (not a zombie, not a kernel thread) carries the marker; 'unsure' while
// its environment reads empty, which is also what a process looks like halfway through execve.
function readMarker(pid: number, needle: Buffer): 'yes' | 'no' | 'unsure' {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return 'no'; // gone, or not ours to read
  }
  const stat = readProcStat(pid);
  if (stat === null || isZombie(stat) || isKernelThread(stat)) return 'no';
  if (environ.length === 0) return 'unsure';
  return holdsMarker(environ, needle) ? 'yes' : 'no';
}

// A whole variable: at the start or after a NUL, and followed by a NUL or the end.
function holdsMarker(environ: Buffer, needle: Buffer): boolean {
  for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}
