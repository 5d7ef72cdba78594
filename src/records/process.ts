// Facts about other processes on this host, read from /proc and signal 0: enough to tell
// whether the road_runner that wrote a lock or journal is still the same living process.

import { readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says about a process (proc(5)). */
export interface ProcStat {
  /** The command name (field 2, without its parentheses). */
  command: string;
  /** One letter (field 3): R, S, D, Z (zombie), X (dead)… */
  state: string;
  /** Process group id (field 5). */
  pgrp: number;
  /** Kernel flags (field 9); PF_KTHREAD marks a kernel thread. */
  flags: number;
  /** Start time (field 22), clock ticks since boot, as the kernel printed it. */
  startTime: string;
  /**
   * Where the environment lies in the process's memory (fields 50 and 51), as printed: both
   * "0" while an execve has not laid out the new image's yet, for a process without memory
   * (a kernel thread, one exiting) and where the kernel does not let us read them.
   */
  envStart: string;
  envEnd: string;
}

const PF_KTHREAD = 0x00200000;

/** Reads /proc/<pid>/stat; null when the process is gone, the pid invalid, or not on Linux. */
export function readProcStat(pid: number): ProcStat | null {
  if (!isValidPid(pid)) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Fields after the `(comm)` field start at field 3: field N is at index N - 3.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const startTime = fields[19];
  if (startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return {
    command: text.slice(open + 1, close), state: fields[0] ?? '', pgrp: Number(fields[2]), flags: Number(fields[6]), startTime,
    envStart: fields[47] ?? '0', envEnd: fields[48] ?? '0',
  };
}

/** True for a zombie awaiting its parent, or a dead task. */
export function isZombie(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}

/** True for a kernel thread (it has no environment, command line or memory of its own). */
export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

/** Reads the start time of a process (field 22 of /proc/<pid>/stat, clock ticks since boot); null where unknown. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** Tells whether a process with this pid exists and is not a zombie awaiting its parent. */
export function isProcessAlive(pid: number): boolean {
  if (!isValidPid(pid)) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  return stat === null ? process.platform !== 'linux' : !isZombie(stat);
}

/**
 * Tells whether the process recorded as (pid, start time) is gone: no such pid, or the pid now
 * belongs to a later process (its start time differs). A null recorded start time checks the pid alone.
 */
export function isRecordedProcessGone(pid: number, recordedStartTime: string | null): boolean {
  if (!isProcessAlive(pid)) return true;
  if (recordedStartTime === null) return false;
  const current = processStartTime(pid);
  return current !== null && current !== recordedStartTime;
}

function isValidPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0;
}
