// The crash journal of SPEC §5.4: before any margin is applied, runs/.journal.json records
// what is about to change (rails with their nominal values and adapters, the process groups
// of running diagnostics). If road_runner dies, even by kill -9, the next `run` or
// `recover` finds a journal whose process is gone, restores nominal, and marks the run crashed.

import { join } from 'node:path';
import { readFileSync, unlinkSync } from 'node:fs';
import { ExitCode, RrError } from '../errors.js';
import { writeFileDurable } from './jsonFile.js';
import { RUNS_FILES } from './layout.js';
import { isRecordedProcessGone } from './process.js';

/** What a run has changed on the host and not yet put back. */
export interface Journal {
  version: 1;
  run_id: string;
  pid: number;
  pid_start_time: string | null;
  subrun_id: string | null;
  /** Process groups of diagnostics and actuators still running. */
  pgids: number[];
  /**
   * /proc/sys/kernel/random/boot_id when the run started: recovery ends processes only on the
   * same boot. Absent in journals of older versions (then no process is ended by recovery).
   */
  boot_id?: string | null;
  /** The run's cgroup folder, whose every process is the run's; null or absent when the run used none. */
  cgroup?: string | null;
  /** Rails touched, each with the nominal value to restore and the adapter that restores it. */
  rails: Record<string, { nominal: number; adapter: string }>;
  updated_at: string;
}

/** Path of the journal in a runs folder. */
export function journalPath(runsDir: string): string {
  return join(runsDir, RUNS_FILES.journal);
}

/** Replaces the journal atomically and durably (it must survive a crash right after this returns). */
export function writeJournal(runsDir: string, j: Journal): void {
  // Compact: written before every margin change, so keep it small and quick.
  writeFileDurable(journalPath(runsDir), `${JSON.stringify(j)}\n`);
}

/** Reads the journal, or null when there is none. Throws RrError (exit 4) when it exists but is unreadable. */
export function readJournal(runsDir: string): Journal | null {
  const path = journalPath(runsDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw damagedJournal(path, (err as Error).message);
  }
  const problem = findJournalProblem(value);
  if (problem) throw damagedJournal(path, problem);
  return value as Journal;
}

/** Removes the journal (nothing left to restore); no error if it is already gone. */
export function removeJournal(runsDir: string): void {
  try {
    unlinkSync(journalPath(runsDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Tells whether the journal's process is gone (or its pid now belongs to another process): its changes need recovering. */
export function isJournalOrphaned(j: Journal): boolean {
  return isRecordedProcessGone(j.pid, j.pid_start_time);
}

function damagedJournal(path: string, reason: string): RrError {
  return new RrError(
    `crash journal ${path} is damaged: ${reason}`,
    ExitCode.runtime,
    'rails may still be margined: restore nominal values by hand (see the run folder), then delete the journal',
  );
}

// Names the first thing wrong with a parsed journal, or returns null when it has the Journal shape.
function findJournalProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (v.version !== 1) return `unsupported version ${JSON.stringify(v.version)} (expected 1)`;
  if (typeof v.run_id !== 'string') return 'run_id is not a string';
  if (!Number.isInteger(v.pid)) return 'pid is not an integer';
  if (v.pid_start_time !== null && typeof v.pid_start_time !== 'string') return 'pid_start_time is not a string or null';
  if (v.subrun_id !== null && typeof v.subrun_id !== 'string') return 'subrun_id is not a string or null';
  if (!Array.isArray(v.pgids) || !v.pgids.every((g) => Number.isInteger(g))) return 'pgids is not a list of integers';
  if (v.boot_id !== undefined && v.boot_id !== null && typeof v.boot_id !== 'string') return 'boot_id is not a string or null';
  if (v.cgroup !== undefined && v.cgroup !== null && typeof v.cgroup !== 'string') return 'cgroup is not a string or null';
  if (typeof v.rails !== 'object' || v.rails === null || Array.isArray(v.rails)) return 'rails is not an object';
  for (const [rail, entry] of Object.entries(v.rails as Record<string, unknown>)) {
    const e = entry as { nominal?: unknown; adapter?: unknown } | null;
    if (typeof e?.nominal !== 'number' || typeof e.adapter !== 'string') return `rails.${rail} needs a number nominal and a string adapter`;
  }
  if (typeof v.updated_at !== 'string') return 'updated_at is not a string';
  return null;
}
