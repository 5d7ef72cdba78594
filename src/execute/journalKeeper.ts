import { removeJournal, writeJournal, type Journal } from '../records/journal.js';
import { processStartTime } from '../records/process.js';

/** Keeps the crash journal in step with what the run has changed on the host. */
export interface JournalKeeper {
  /** Records a rail as touched (with its nominal) before its actuator is first called. */
  touchRail(rail: string, nominal: number, adapter: string): void;
  setSubrun(id: string | null): void;
  addPgid(pgid: number): void;
  removePgid(pgid: number): void;
  /** Every rail is back at nominal: the journal is no longer needed. */
  clear(): void;
}

/** Opens a journal for a run in `runsDir`; it is written at once and after each change. */
export function openJournal(runsDir: string, runId: string, now: () => Date): JournalKeeper {
  const journal: Journal = {
    version: 1,
    run_id: runId,
    pid: process.pid,
    pid_start_time: processStartTime(process.pid),
    subrun_id: null,
    pgids: [],
    rails: {},
    updated_at: now().toISOString(),
  };
  const save = (durable = true) => {
    journal.updated_at = now().toISOString();
    writeJournal(runsDir, journal, { durable });
  };
  save();
  return {
    touchRail(rail, nominal, adapter) {
      if (journal.rails[rail]) return;
      journal.rails[rail] = { nominal, adapter };
      save();
    },
    setSubrun(id) {
      journal.subrun_id = id;
      save();
    },
    addPgid(pgid) {
      journal.pgids.push(pgid);
      save(false);
    },
    removePgid(pgid) {
      journal.pgids = journal.pgids.filter((p) => p !== pgid);
      save(false);
    },
    clear() {
      removeJournal(runsDir);
    },
  };
}
