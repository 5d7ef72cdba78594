// `clean --older-than N`: choose the runs whose start is more than N days ago, keep the one
// holding the lock and the one the crash journal names, then remove the rest. Only direct
// children of runs/ named like a run id are candidates; nothing is ever followed through a
// symlink: a run-named link is unlinked (its target untouched), and links inside a run
// folder are removed as links (fs.rm does not follow them; test/runs/clean.test.ts checks).

import { rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, RrError, UsageError } from '../errors.js';
import { RECORD_FILES } from '../records/layout.js';
import { findProtection, readRunActivity } from './activity.js';
import type { StartSource } from './catalog.js';
import { readRunSummary } from './recordRead.js';
import { inspectRunEntry, listRunEntries, type RunEntry } from './runFolders.js';
import { measureTree } from './treeSize.js';

const DAY_MS = 24 * 3600 * 1000;

/** A run chosen for removal. */
export interface CleanCandidate {
  id: string;
  path: string;
  kind: 'folder' | 'symlink';
  started_at: string;
  start_source: StartSource;
  size_bytes: number;
}

/** A run old enough to go that is kept, and why. */
export interface KeptRun {
  id: string;
  started_at: string;
  reason: string;
}

/** What clean would do, decided before anything is removed. */
export interface CleanPlan {
  older_than_days: number;
  cutoff: string;
  remove: CleanCandidate[];
  kept: KeptRun[];
  /** Runs younger than the cutoff. */
  recent: number;
}

/** What clean did. */
export interface CleanResult {
  dry_run: boolean;
  removed: CleanCandidate[];
  kept: KeptRun[];
  failed: { id: string; error: string }[];
  freed_bytes: number;
}

/** Parses `--older-than`: a non-negative number of days, fractions allowed; UsageError otherwise. */
export function parseOlderThan(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text)) {
    const shown = Array.isArray(value) ? `${value.length} values` : JSON.stringify(value) ?? String(value);
    throw new UsageError(
      `--older-than must be a non-negative number of days, got ${shown}`,
      'e.g. --older-than 30, or --older-than 0.5 for twelve hours',
    );
  }
  const days = Number(text);
  if (!Number.isFinite(days)) throw new UsageError(`--older-than ${text} is too large`, 'give a number of days');
  return days;
}

/** Decides which runs of `runsDirPath` started more than `olderThanDays` days before `now`. Removes nothing. */
export function planClean(runsDirPath: string, olderThanDays: number, now: Date): CleanPlan {
  const activity = readRunActivity(runsDirPath);
  if (activity.journal_problem !== null && activity.journal_run_id === null) {
    throw new RrError(`${activity.journal_problem}; cannot tell which run it protects, so nothing was removed`, ExitCode.runtime,
      'run `road_runner recover` or repair the journal, then clean again');
  }
  const cutoffMs = now.getTime() - olderThanDays * DAY_MS;
  const plan: CleanPlan = { older_than_days: olderThanDays, cutoff: new Date(cutoffMs).toISOString(), remove: [], kept: [], recent: 0 };
  for (const entry of listRunEntries(runsDirPath)) {
    if (entry.kind === 'other') continue; // a stray file named like a run: not ours to judge
    const start = readStart(entry);
    if (start.ms >= cutoffMs) {
      plan.recent += 1;
      continue;
    }
    const started_at = new Date(start.ms).toISOString();
    const protection = findProtection(activity, entry.id);
    if (protection !== null) {
      plan.kept.push({ id: entry.id, started_at, reason: protection });
      continue;
    }
    plan.remove.push({
      id: entry.id, path: entry.path, kind: entry.kind, started_at, start_source: start.source,
      size_bytes: measureTree(entry.path).bytes,
    });
  }
  return plan;
}

/**
 * Carries out a clean plan (or, with dryRun, only reports it). The lock and the journal are
 * read again before each removal, so a run that started meanwhile is kept.
 */
export function applyClean(runsDirPath: string, plan: CleanPlan, options: { dryRun: boolean }): CleanResult {
  const result: CleanResult = { dry_run: options.dryRun, removed: [], kept: [...plan.kept], failed: [], freed_bytes: 0 };
  for (const candidate of plan.remove) {
    if (options.dryRun) {
      result.removed.push(candidate);
      result.freed_bytes += candidate.size_bytes;
      continue;
    }
    const protection = findProtection(readRunActivity(runsDirPath), candidate.id);
    if (protection !== null) {
      result.kept.push({ id: candidate.id, started_at: candidate.started_at, reason: protection });
      continue;
    }
    try {
      removeRunEntry(runsDirPath, candidate.id);
      result.removed.push(candidate);
      result.freed_bytes += candidate.size_bytes;
    } catch (err) {
      result.failed.push({ id: candidate.id, error: (err as Error).message });
    }
  }
  return result;
}

// Removes runs/<id> as it is now: a symlink is unlinked, a folder removed with its content
// (links inside it are unlinked, not followed). Anything else is left alone.
function removeRunEntry(runsDirPath: string, id: string): void {
  const entry = inspectRunEntry(runsDirPath, id);
  if (entry === null) return;
  if (entry.kind === 'symlink') unlinkSync(entry.path);
  else if (entry.kind === 'folder') rmSync(entry.path, { recursive: true, force: true, maxRetries: 2 });
  else throw new Error(`${entry.path} is no longer a folder; left alone`);
}

// A run starts at its summary's started_at; a link, or a folder whose summary is missing or
// damaged, at its own mtime (lstat: never through a link).
function readStart(entry: RunEntry): { ms: number; source: StartSource } {
  if (entry.kind === 'folder') {
    const summary = readRunSummary(join(entry.path, RECORD_FILES.summary));
    if (summary.ok) return { ms: Date.parse(summary.value.started_at), source: 'summary' };
  }
  return { ms: entry.mtime.getTime(), source: 'mtime' };
}
