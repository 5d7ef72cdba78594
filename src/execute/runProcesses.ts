// Finds processes by a marker in their environment: every diagnostic and actuator a run starts
// carries RR_RUN_ID=<run id>, every step's processes also RR_STEP_MARK=<sub-run id>/<step
// index>, and their children inherit both, whether or not they leave the process group. This
// is how leftovers are found where no cgroup can hold them, and recovery's proof (with the
// start time) that a process belongs to the crashed run.

import { readdirSync, readFileSync } from 'node:fs';
import { isKernelThread, isZombie, readProcStat, type ProcStat } from '../records/process.js';

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
  // A process in the middle of an execve shows no environment for a moment, and one exiting
  // none at all: look again, until it shows one, is a zombie, or the time is up.
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

// How long a process caught between two environments, or exiting, is looked at again (see
// readMarker). Either lasts a moment; on a host loaded far beyond its cores, longer than 100 ms.
const UNSURE_WAIT_MS = 2_000;

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
// it is caught between two environments or is exiting.
function readMarker(pid: number, needle: Buffer): 'yes' | 'no' | 'unsure' {
  let environ: Buffer | null = null;
  let readError = '';
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch (error) {
    readError = (error as NodeJS.ErrnoException).code ?? '';
  }
  const stat = readProcStat(pid);
  if (stat === null || isZombie(stat) || isKernelThread(stat)) return 'no';
  // ESRCH from a process that is neither gone nor a zombie: it is exiting and has let its
  // memory go (a SIGKILL sent a moment ago). It is not over until it is a zombie.
  if (environ === null) return readError === 'ESRCH' ? 'unsure' : 'no'; // EACCES: not ours
  if (environ.length === 0) return isBetweenEnvironments(stat) ? 'unsure' : 'no';
  return holdsMarker(environ, needle) ? 'yes' : 'no';
}

/**
 * Whether an environment that read as empty is only a moment in an execve rather than what the
 * process has. Halfway through an execve the new image's environment is not laid out
 * yet (stat shows 0 for its place), or the read met the old image as it was let go while stat
 * already shows the new one's place: both pass. A process started with an empty environment
 * (`env -i`) has one of zero length at a real place, and is believed at once.
 */
export function isBetweenEnvironments(stat: Pick<ProcStat, 'envStart' | 'envEnd'>): boolean {
  return stat.envEnd === '0' || stat.envStart !== stat.envEnd;
}

// A whole variable: at the start or after a NUL, and followed by a NUL or the end.
function holdsMarker(environ: Buffer, needle: Buffer): boolean {
  for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}
