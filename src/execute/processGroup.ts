// Process groups: every diagnostic leads its own group, and timeouts, aborts and the clean-up
// after the leader exits signal the whole group, so no grandchild is left behind.

import { readdirSync } from 'node:fs';
import { isZombie, readProcStat } from '../records/process.js';

/** How long to wait for a group to vanish after SIGKILL before giving up on it. */
export const KILL_WAIT_MS = 2_000;

/** What ending a group took: nothing, SIGTERM, SIGKILL, or not even SIGKILL (e.g. state D). */
export type GroupEnding = 'empty' | 'terminated' | 'killed' | 'stuck';

/** Sends a signal to every process of a group; false if the group is gone (ESRCH). */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  assertGroupId(pgid);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: members exist that we may not signal; the group is not gone.
    return readErrno(error) !== 'ESRCH';
  }
}

/** True while the group has a member that is not a zombie (cheap when the group is empty). */
export function isProcessGroupAlive(pgid: number): boolean {
  assertGroupId(pgid);
  if (!probeGroup(pgid)) return false;
  // Orphaned members that already exited stay zombies until init reaps them, which can take
  // seconds; kill(…, 0) still counts them, so look at their state.
  return hasLiveMember(pgid);
}

/**
 * kill(-pgid, 0): false once the group is gone. Asked after every step, when the answer is
 * nearly always "gone", so the ESRCH error is built without a stack trace (it is never shown).
 */
function probeGroup(pgid: number): boolean {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return readErrno(error) !== 'ESRCH';
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function hasLiveMember(pgid: number): boolean {
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== null && stat.pgrp === pgid && !isZombie(stat)) return true;
  }
  return false;
}

function assertGroupId(pgid: number): void {
  // kill(0) and kill(-1) would signal our own group or every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`not a process group id: ${pgid}`);
}

function readErrno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
