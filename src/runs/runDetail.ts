// Everything `runs show` says about one run: the parent summary, one row per sub-run (from
// the sub-run summaries, falling back to the parent's list), and which reports exist.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_DIRS, RECORD_FILES, runsDir } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import type { RunSummary, StatusCounts } from '../records/recordTypes.js';
import { readRunActivity } from './activity.js';
import { describeRun, type RunListing } from './catalog.js';
import { normalizeCounts, readRunSummary, readSubrunSummary } from './recordRead.js';
import { resolveRunFolder } from './runFolders.js';

/** Report and export files a run folder may hold, in the order they are shown. */
export const REPORT_FILES = ['report.html', 'report.md', 'export.csv', 'export.json', 'export.xml'] as const;

/** One sub-run row of `runs show`. */
export interface SubrunRow {
  id: string;
  index: number | null;
  point: Record<string, number> | null;
  status: string;
  counts: StatusCounts | null;
  note: string | null;
}

/** What `runs show` prints. */
export interface RunDetail {
  listing: RunListing;
  /** The parent summary when it could be read. */
  summary: RunSummary | null;
  subruns: SubrunRow[];
  /** Absolute paths of the reports and exports present. */
  reports: string[];
  /** Absolute paths of the records present (plan, summary, steps, sysinfo, inputs). */
  records: string[];
}

/** Gathers the detail of run `id` of the workspace at `root`; UsageError (exit 2) for an unknown or malformed id. */
export function showRun(root: string, id: string): RunDetail {
  const entry = resolveRunFolder(root, id);
  const listing = describeRun(entry, readRunActivity(runsDir(root)));
  const read = readRunSummary(join(entry.path, RECORD_FILES.summary));
  const summary = read.ok ? read.value : null;
  return {
    listing,
    summary,
    subruns: collectSubrunRows(entry.path, id, summary),
    reports: REPORT_FILES.map((f) => join(entry.path, f)).filter(isRegularFile),
    records: [RECORD_FILES.plan, RECORD_FILES.summary, RECORD_FILES.steps, RECORD_FILES.sysinfo, RECORD_DIRS.inputs, RECORD_DIRS.subruns]
      .map((f) => join(entry.path, f))
      .filter((p) => lstatKind(p) !== null),
  };
}

/** Rows for every sub-run named by the parent summary or present as a folder, in id order. */
export function collectSubrunRows(dir: string, runId: string, summary: RunSummary | null): SubrunRow[] {
  const listed = new Map<string, RunSummary['subruns'][number]>();
  for (const s of Array.isArray(summary?.subruns) ? summary.subruns : []) {
    if (typeof s?.id === 'string') listed.set(s.id, s);
  }
  const layout = runFolderLayout(dir, runId);
  const ids = new Set(listed.keys());
  for (const name of layout.listSubrunIds()) ids.add(name);
  return [...ids].sort().map((subId) => describeSubrun(layout.subrunDir(subId), subId, listed.get(subId)));
}

function describeSubrun(subDir: string, id: string, listed: RunSummary['subruns'][number] | undefined): SubrunRow {
  const read = readSubrunSummary(join(subDir, RECORD_FILES.summary));
  if (read.ok) {
    const s = read.value;
    return { id, index: Number.isInteger(s.index) ? s.index : null, point: s.point, status: s.status, counts: normalizeCounts(s.counts), note: s.reason ?? null };
  }
  return {
    id,
    index: typeof listed?.index === 'number' ? listed.index : null,
    point: listed?.point ?? null,
    status: typeof listed?.status === 'string' ? listed.status : 'unknown',
    counts: null,
    note: read.missing ? 'no sub-run summary.json' : read.problem,
  };
}


function isRegularFile(path: string): boolean {
  return lstatKind(path) === 'file';
}

function lstatKind(path: string): 'file' | 'folder' | 'other' | null {
  try {
    const st = lstatSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch {
    return null;
  }
}
