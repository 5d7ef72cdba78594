// Where an existing run keeps its sub-run folders and event logs, whichever layout wrote it.
// Every reader (report, export, runs list/show, diff, resume, recover, clean) asks here
// instead of joining paths itself:
//   current (SPEC §5.3): <run>/subruns/<RUN_ID>-sNN/{steps.ldjson, summary.json, stdout/, stderr/}
//   earlier:             <run>/<RUN_ID>-sNN/{summary.json, stdout/, stderr/} and one <run>/steps.ldjson
// The layout is decided once per run folder, from what is on disk: a `subruns` folder means
// the current layout; a run-level steps.ldjson, or a sub-run folder directly in the run
// folder, means the earlier one; a run with neither (planned, nothing recorded yet) is current.

import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RECORD_DIRS, RECORD_FILES, isSubrunId } from './layout.js';
import { readEvents, readEventsWhole, type ReadEventsOptions } from './eventReader.js';

/** How a run folder is organised: `subruns` (SPEC §5.3) or `flat` (the earlier layout). */
export type RunLayoutKind = 'subruns' | 'flat';

/** Paths of one run folder's records, for the layout it was written in. */
export interface RunFolderLayout {
  dir: string;
  runId: string;
  kind: RunLayoutKind;
  /** The folder holding sub-run `id` (which need not exist). */
  subrunDir(id: string): string;
  /** The event log holding the events of sub-run `id` (shared by every sub-run in the earlier layout). */
  eventLogOf(id: string): string;
  /** Ids of the sub-run folders present, in id order (which is plan order). */
  listSubrunIds(): string[];
  /** The event logs present, in sub-run order: one per sub-run, or the single run-level file. */
  eventLogs(): string[];
  /** A log path relative to the run folder: `subruns/<id>/stdout/<name>` (or `<id>/stdout/<name>`). */
  stepLogPath(id: string, stream: 'stdout' | 'stderr', logName: string): string;
}

/** Detects the layout of the run folder `dir` of run `runId` and returns its paths. */
export function runFolderLayout(dir: string, runId: string): RunFolderLayout {
  const kind = detectRunLayout(dir, runId);
  const base = kind === 'subruns' ? join(dir, RECORD_DIRS.subruns) : dir;
  const subrunDir = (id: string) => join(base, id);
  const listSubrunIds = () => listFolders(base).filter((n) => isSubrunId(n) && n.startsWith(`${runId}-s`)).sort(compareSubrunIds);
  return {
    dir,
    runId,
    kind,
    subrunDir,
    eventLogOf: (id) => (kind === 'subruns' ? join(subrunDir(id), RECORD_FILES.steps) : join(dir, RECORD_FILES.steps)),
    listSubrunIds,
    eventLogs: () => {
      const candidates = kind === 'subruns' ? listSubrunIds().map((id) => join(subrunDir(id), RECORD_FILES.steps)) : [join(dir, RECORD_FILES.steps)];
      return candidates.filter(isRegularFile);
    },
    stepLogPath: (id, stream, logName) => relative(dir, join(subrunDir(id), stream, logName)),
  };
}

/** The layout of a run folder, from what is on disk (see the head of this file). */
export function detectRunLayout(dir: string, runId: string): RunLayoutKind {
  if (kindOf(join(dir, RECORD_DIRS.subruns)) === 'folder') return 'subruns';
  if (kindOf(join(dir, RECORD_FILES.steps)) === 'file') return 'flat';
  const flatSubrun = listFolders(dir).some((n) => isSubrunId(n) && n.startsWith(`${runId}-s`));
  return flatSubrun ? 'flat' : 'subruns';
}

/** Options of readRunEvents. */
export interface ReadRunEventsOptions {
  /** Told about a torn last line of one of the event logs (which is skipped). */
  onTornLine?: (file: string, text: string) => void;
}

/** Event logs up to this size are read in one synchronous call; larger ones are streamed. */
export const SMALL_EVENT_LOG_BYTES = 1 << 20;

/**
 * Streams every event of a run in order, across its event logs, in bounded memory. A sub-run's
 * log is small and read whole (one open/read/close instead of an asynchronous stream: with
 * thousands of sub-runs the stream set-up, not the bytes, was most of the time); a log larger
 * than SMALL_EVENT_LOG_BYTES (the earlier layout's single file, a very long sub-run) is streamed.
 */
export async function* readRunEvents(layout: RunFolderLayout, options: ReadRunEventsOptions = {}): AsyncGenerator<Record<string, unknown>> {
  for (const file of layout.eventLogs()) {
    const perFile: ReadEventsOptions = options.onTornLine ? { onTornLine: (text) => options.onTornLine!(file, text) } : {};
    if (sizeOf(file) <= SMALL_EVENT_LOG_BYTES) yield* readEventsWhole(file, perFile);
    else yield* readEvents(file, perFile);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return Number.POSITIVE_INFINITY; // let readEvents word the error
  }
}

/** Whether the run has any event log at all. */
export function hasEventLogs(layout: RunFolderLayout): boolean {
  return layout.eventLogs().length > 0;
}

// Ids of one run differ only in their index; a wider index (more sub-runs than the padding) sorts after.
function compareSubrunIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function listFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

function kindOf(path: string): 'file' | 'folder' | 'other' | null {
  try {
    const st = lstatSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch {
    return null;
  }
}

function isRegularFile(path: string): boolean {
  return kindOf(path) === 'file';
}
