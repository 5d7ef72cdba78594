// Facts about other processes on this host, read from /proc and signal 0: enough to tell
// whether the road_runner that wrote a lock or journal is still the same living process.

import { readFileSync } from 'node:fs';

/** Reads the start time of a process (field 22 of /proc/<pid>/stat, clock ticks since boot); null where unknown. */
export function processStartTime(pid: number): string | null {
  if (!isValidPid(pid)) return null;
  const fields = readStatFields(pid);
  // Fields after the `(comm)` field start at field 3; field 22 is the 20th of them.
  const start = fields?.[19];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
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
  const state = readStatFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
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

// The fields of /proc/<pid>/stat after the command name, or null when unreadable (not Linux, or gone).
function readStatFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  return text.slice(close + 1).trim().split(/\s+/);
}
