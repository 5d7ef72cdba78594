// Ends what a crashed run left running, and only that. A process is the run's when it is
// inside the run's cgroup, or when it runs on the boot the journal recorded, started after
// the crashed road_runner did, and carries RR_RUN_ID=<run id> in its environment. A process
// group number from the journal proves nothing (after a reboot, or once the group is gone, the
// number can belong to anyone): recorded groups are only reported, never signalled.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Journal } from '../records/journal.js';
import { isZombie, readProcStat } from '../records/process.js';
import { isCgroupDir, killGroupAtOnce, listChildGroups, listGroupProcesses, removeGroup } from './cgroupV2.js';
import { KILL_WAIT_MS } from './processGroup.js';
import { findMarkedProcesses } from './runProcesses.js';
import { readBootId } from './runSummary.js';

/** A process of the crashed run, and how it ended. */
export interface EndedProcess {
  pid: number;
  command: string;
  pgid: number;
  ending: 'terminated' | 'killed' | 'stuck';
}

/** What recovery did about the crashed run's processes. */
export interface ProcessRecovery {
  ended: EndedProcess[];
  /** Recorded process groups with live members that could not be proven the run's: left alone. */
  leftAlone: number[];
  /** Why no process could be proven the run's (older journal, another boot), or null. */
  unverifiable: string | null;
  /** The run's cgroup, and whether it could be removed. */
  cgroup: { path: string; removed: boolean } | null;
}

interface Candidate {
  pid: number;
  start: string;
  command: string;
  pgid: number;
  /** Found inside the run's cgroup (then a cgroup.kill can end it). */
  inCgroup: boolean;
}

/** Ends the crashed run's processes (SIGTERM, then SIGKILL after graceMs) and removes its cgroup. */
export async function endProcessesOfCrashedRun(journal: Journal, recordedGroups: number[], graceMs: number): Promise<ProcessRecovery> {
  const unverifiable = whyUnverifiable(journal);
  if (unverifiable !== null) return { ended: [], leftAlone: liveGroups(recordedGroups), unverifiable, cgroup: null };
  const cgroup = runCgroup(journal);
  const find = (): Candidate[] => findProcessesOfRun(journal, cgroup);

  const seen = new Map<number, Candidate>();
  const endings = new Map<number, EndedProcess['ending']>();
  const remember = (list: Candidate[]): Candidate[] => {
    for (const c of list) if (!seen.has(c.pid)) seen.set(c.pid, c);
    return list;
  };
  let left = remember(find());
  if (left.length > 0) {
    for (const c of left) signalIfSame(c, 'SIGTERM');
    left = remember(await waitUntilGone(find, graceMs));
    for (const pid of seen.keys()) if (!left.some((c) => c.pid === pid)) endings.set(pid, 'terminated');
    if (left.length > 0) {
      if (cgroup !== null) killGroupAtOnce(cgroup);
      for (const c of left) signalIfSame(c, 'SIGKILL');
      left = remember(await waitUntilGone(() => {
        const now = find();
        for (const c of now) signalIfSame(c, 'SIGKILL'); // forked meanwhile
        return now;
      }, KILL_WAIT_MS));
      for (const pid of seen.keys()) if (!endings.has(pid)) endings.set(pid, left.some((c) => c.pid === pid) ? 'stuck' : 'killed');
    }
  }
  const ended = [...seen.values()].map((c) => ({ pid: c.pid, command: c.command, pgid: c.pgid, ending: endings.get(c.pid) ?? 'stuck' }));
  const ours = new Set(ended.flatMap((e) => [e.pid, e.pgid]));
  const removed = cgroup === null ? null : removeCgroupTree(cgroup);
  return {
    ended,
    leftAlone: liveGroups(recordedGroups.filter((g) => !ours.has(g))),
    unverifiable: null,
    cgroup: cgroup === null || removed === null ? null : { path: cgroup, removed },
  };
}

function whyUnverifiable(journal: Journal): string | null {
  if (typeof journal.boot_id !== 'string') return 'the journal was written by an older road_runner and records no boot id';
  const now = readBootId();
  if (now === null) return 'this host does not tell its boot id (/proc/sys/kernel/random/boot_id)';
  if (now !== journal.boot_id) return `the journal is from an earlier boot (${journal.boot_id}); no process of that run can still exist`;
  if (journal.pid_start_time === null) return 'the journal records no start time for the crashed road_runner';
  return null;
}

// The recorded cgroup, if it is one and named for this run; anything else is not touched.
function runCgroup(journal: Journal): string | null {
  const dir = journal.cgroup;
  if (typeof dir !== 'string' || path.basename(dir) !== `road_runner-${journal.run_id}`) return null;
  return isCgroupDir(dir) ? dir : null;
}

function findProcessesOfRun(journal: Journal, cgroup: string | null): Candidate[] {
  const found = new Map<number, Candidate>();
  if (cgroup !== null) {
    for (const dir of [cgroup, ...listChildGroups(cgroup)]) {
      for (const pid of listGroupProcesses(dir)) {
        const stat = readStat(pid);
        if (stat !== null && pid !== process.pid) found.set(pid, { pid, ...stat, inCgroup: true });
      }
    }
  }
  const runStart = BigInt(journal.pid_start_time!);
  for (const pid of findMarkedProcesses({ name: 'RR_RUN_ID', value: journal.run_id })) {
    if (found.has(pid)) continue;
    const stat = readStat(pid);
    // Started before the crashed road_runner: not one of its processes, whatever its environment says.
    if (stat !== null && BigInt(stat.start) >= runStart) found.set(pid, { pid, ...stat, inCgroup: false });
  }
  return [...found.values()];
}

async function waitUntilGone(find: () => Candidate[], timeoutMs: number): Promise<Candidate[]> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  let pauseMs = 10;
  for (;;) {
    const left = find();
    const wait = deadline - performance.now();
    if (left.length === 0 || wait <= 0) return left;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, wait)));
    pauseMs = Math.min(pauseMs * 2, 100);
  }
}

// The pid is signalled only while it still names the process that was proven the run's.
function signalIfSame(c: Candidate, signal: NodeJS.Signals): void {
  if (readStat(c.pid)?.start !== c.start) return;
  try {
    process.kill(c.pid, signal);
  } catch {
    /* gone */
  }
}

function removeCgroupTree(dir: string): boolean {
  for (const child of listChildGroups(dir)) removeGroup(child);
  return removeGroup(dir) === 'removed';
}

// Recorded groups that still have a live member (reported as left alone, never signalled).
function liveGroups(pgids: number[]): number[] {
  if (pgids.length === 0) return [];
  const wanted = new Set(pgids);
  const live = new Set<number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== null && wanted.has(stat.pgid)) live.add(stat.pgid);
  }
  return [...live].sort((a, b) => a - b);
}

// Start time (clock ticks since boot), command and process group of a live process; null when gone or a zombie.
function readStat(pid: number): { start: string; command: string; pgid: number } | null {
  const stat = readProcStat(pid);
  return stat === null || isZombie(stat) ? null : { start: stat.startTime, command: stat.command, pgid: stat.pgrp };
}
