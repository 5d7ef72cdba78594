import { removeJournal, writeJournal, type Journal } from '../records/journal.js';
import { processStartTime } from '../records/process.js';
import { openRunningGroups } from '../records/runningGroups.js';
import { readBootId } from './runSummary.js';

/** Keeps the crash journal in step with what the run has changed on the host. */
export interface JournalKeeper {
  /** Records a rail as touched (with its nominal) before its actuator is first called. */
  touchRail(rail: string, nominal: number, adapter: string): void;
  /**
   * After a `set` call: whether its actuator started. A rail whose set never started, in this
   * call or any earlier one of the run, was not changed: it leaves the journal again.
   */
  railSetStarted(rail: string, started: boolean): void;
  setSubrun(id: string | null): void;
  addPgid(pgid: number): void;
  removePgid(pgid: number): void;
  /** Every rail is back at nominal: the journal is no longer needed. */
  clear(): void;
}

/**
 * Opens a journal for a run in `runsDir`; it is written at once and after each change. With
 * the boot id and road_runner's start time, it is what lets recovery prove a process is the run's.
 */
export function openJournal(runsDir: string, runId: string, now: () => Date, cgroup: string | null = null): JournalKeeper {
  const journal: Journal = {
    version: 1,
    run_id: runId,
    pid: process.pid,
    pid_start_time: processStartTime(process.pid),
    subrun_id: null,
    pgids: [],
    boot_id: readBootId(),
    cgroup,
    rails: {},
    updated_at: now().toISOString(),
  };
  const save = () => {
    journal.updated_at = now().toISOString();
    writeJournal(runsDir, journal);
  };
  save();
  // Process groups change twice per step: kept in a cheaper record beside the journal.
  const groups = openRunningGroups(runsDir);
  let pgids: number[] = [];
  // Rails whose actuator has really run a `set` in this run: they stay journaled to the end.
  const changed = new Set<string>();
  return {
    touchRail(rail, nominal, adapter) {
      if (journal.rails[rail]) return;
      journal.rails[rail] = { nominal, adapter };
      save();
    },
    railSetStarted(rail, started) {
      if (started) {
        changed.add(rail);
        return;
      }
      if (changed.has(rail) || !journal.rails[rail]) return;
      delete journal.rails[rail];
      save();
    },
    setSubrun(id) {
      journal.subrun_id = id;
      save();
    },
    addPgid(pgid) {
      pgids = [...pgids, pgid];
      groups.set(pgids);
    },
    removePgid(pgid) {
      pgids = pgids.filter((p) => p !== pgid);
      groups.set(pgids);
    },
    clear() {
      groups.close();
      removeJournal(runsDir);
    },
  };
}
