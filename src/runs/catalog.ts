// The catalogue of runs in a workspace: one plain row per run folder, newest first, built
// from summary.json alone (plan.json only names flow and margin when the summary is gone).
// A damaged or half-written folder becomes a row with a note, never an exception.

import { join } from 'node:path';
import { RECORD_FILES, runsDir } from '../records/layout.js';
import type { RunStatus, StatusCounts } from '../records/recordTypes.js';
import { findProtection, readRunActivity, type RunActivity } from './activity.js';
import { normalizeCounts, readPlanHead, readRunSummary } from './recordRead.js';
import { listRunEntries, type RunEntry } from './runFolders.js';

/** Status shown for a run: its recorded status, or what we can tell about a folder without one. */
export type ListedStatus = RunStatus | 'running' | 'damaged' | 'unknown';

/** Where a run's start time came from: its summary, or the folder's mtime when that is missing or damaged. */
export type StartSource = 'summary' | 'mtime';

/** One row of `runs list`. */
export interface RunListing {
  id: string;
  path: string;
  started_at: string;
  start_source: StartSource;
  unit: string | null;
  flow: string | null;
  margin: string | null;
  status: ListedStatus;
  counts: StatusCounts | null;
  duration_ms: number | null;
  notes: string[];
}

/** Lists every run of the workspace at `root`, newest first. */
export function listRuns(root: string): RunListing[] {
  const dir = runsDir(root);
  const activity = readRunActivity(dir);
  const rows = listRunEntries(dir).map((entry) => describeRun(entry, activity));
  return sortNewestFirst(rows);
}

/** Sorts rows by start time, newest first (ties: id, newest first). */
export function sortNewestFirst(rows: RunListing[]): RunListing[] {
  return [...rows].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Describes one run-named entry of runs/, reading only its summary (and the head of plan.json when that is missing). */
export function describeRun(entry: RunEntry, activity: RunActivity): RunListing {
  const row: RunListing = {
    id: entry.id, path: entry.path, started_at: entry.mtime.toISOString(), start_source: 'mtime',
    unit: null, flow: null, margin: null, status: 'unknown', counts: null, duration_ms: null, notes: [],
  };
  if (entry.kind === 'symlink') {
    row.notes.push(`symlink to ${entry.link_target ?? '?'}: not followed`);
    return row;
  }
  if (entry.kind === 'other') {
    row.status = 'damaged';
    row.notes.push('not a folder');
    return row;
  }
  const summaryMissing = fillFromRecords(row, entry.path);
  noteActivity(row, activity, summaryMissing);
  return row;
}

// Fills a row from summary.json (or plan.json); returns true when summary.json does not exist.
function fillFromRecords(row: RunListing, dir: string): boolean {
  const summary = readRunSummary(join(dir, RECORD_FILES.summary));
  if (summary.ok) {
    const s = summary.value;
    row.started_at = new Date(Date.parse(s.started_at)).toISOString();
    row.start_source = 'summary';
    row.unit = typeof s.unit === 'string' ? s.unit : null;
    row.flow = typeof s.flow === 'string' ? s.flow : null;
    row.margin = typeof s.margin === 'string' ? s.margin : null;
    row.status = s.status;
    row.counts = normalizeCounts(s.counts);
    row.duration_ms = s.ended_at && typeof s.duration_ms === 'number' ? s.duration_ms : null;
    if (s.dry_run === true) row.notes.push('dry run');
    const marginal = Array.isArray(s.subruns) ? s.subruns.filter((x) => x?.status === 'marginal').length : 0;
    if (marginal > 0) row.notes.push(`${marginal} sub-run${marginal === 1 ? '' : 's'} marginal`);
    const h = s.health;
    if (h && typeof h === 'object' && ((h.ue_delta ?? 0) > 0 || (h.ce_delta ?? 0) > 0)) row.notes.push(`memory errors: ${h.ce_delta ?? 0} corrected, ${h.ue_delta ?? 0} uncorrected`);
    if (s.run_id !== row.id) row.notes.push(`summary names another run (${s.run_id})`);
    return false;
  }
  const plan = readPlanHead(join(dir, RECORD_FILES.plan));
  row.flow = plan?.flow ?? null;
  row.margin = plan?.margin ?? null;
  if (summary.missing) {
    row.status = plan ? 'unknown' : 'damaged';
    row.notes.push(plan ? 'no summary.json: planned only, or never started' : 'no summary.json and no readable plan.json');
  } else {
    row.status = 'damaged';
    row.notes.push(summary.problem);
  }
  return summary.missing;
}

// A live lock holder whose summary is missing or still `planned` is running; otherwise say why it is protected.
function noteActivity(row: RunListing, activity: RunActivity, summaryMissing: boolean): void {
  const protection = findProtection(activity, row.id);
  if (protection === null) return;
  const live = activity.locked_run_id === row.id && !activity.lock_owner_gone;
  if (live && (summaryMissing || row.status === 'planned')) {
    row.status = 'running';
    row.notes = [];
    return;
  }
  row.notes.push(protection);
}
