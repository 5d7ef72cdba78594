// Which run is live or unrecovered on this host, from the lock owner record and the crash
// journal in runs/. `clean` keeps those runs; `runs list` marks them.

import { readFileSync } from 'node:fs';
import { RrError } from '../errors.js';
import { isJournalOrphaned, journalPath, readJournal } from '../records/journal.js';
import { isLockOwnerGone, readLockOwner } from '../records/lock.js';

/** The host-wide state of runs/ that protects runs from removal. */
export interface RunActivity {
  /** Run id recorded by the holder of the run lock, or null when the lock is free. */
  locked_run_id: string | null;
  /** True when the lock holder's process is certainly gone (a stale lock). */
  lock_owner_gone: boolean;
  /** Run id named by the crash journal (a run not yet recovered), or null when there is none. */
  journal_run_id: string | null;
  /** True when the journal's process is gone: the run crashed and awaits `road_runner recover`. */
  journal_orphaned: boolean;
  /** Set when the journal exists but cannot be read; journal_run_id is then a best guess or null. */
  journal_problem: string | null;
}

/** Reads the lock owner and the journal of `runsDirPath`. */
export function readRunActivity(runsDirPath: string): RunActivity {
  const owner = readLockOwner(runsDirPath);
  const activity: RunActivity = {
    locked_run_id: owner?.run_id ?? null,
    lock_owner_gone: owner !== null && isLockOwnerGone(owner),
    journal_run_id: null,
    journal_orphaned: false,
    journal_problem: null,
  };
  try {
    const journal = readJournal(runsDirPath);
    if (journal) {
      activity.journal_run_id = journal.run_id;
      activity.journal_orphaned = isJournalOrphaned(journal);
    }
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    activity.journal_problem = err.message;
    activity.journal_run_id = guessJournalRunId(journalPath(runsDirPath));
  }
  return activity;
}

/** Why run `id` must be kept (it holds the lock, or its journal is not recovered), or null. */
export function findProtection(activity: RunActivity, id: string): string | null {
  if (activity.locked_run_id === id) {
    return activity.lock_owner_gone
      ? 'holds the run lock (its process is gone; the next run or `road_runner recover` clears it)'
      : 'holds the run lock (running now)';
  }
  if (activity.journal_run_id === id) {
    return activity.journal_orphaned || activity.journal_problem !== null
      ? 'named by the crash journal: not recovered yet (run `road_runner recover`)'
      : 'named by the crash journal (running now)';
  }
  return null;
}

// A damaged journal may still be JSON with a run id; anything less tells us nothing.
function guessJournalRunId(path: string): string | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as { run_id?: unknown } | null;
    return typeof value?.run_id === 'string' ? value.run_id : null;
  } catch {
    return null;
  }
}
