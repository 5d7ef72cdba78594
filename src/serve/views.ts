// The plain objects the dashboard's templates lay out, built from the same readers as the
// report, `runs list` and `diff`: listRuns (catalog), loadRunRecords and buildShmooView (the
// report's shmoo, one drawing), readTail (log tails) and diffRuns. No HTML here.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORD_FILES, runsDir } from '../records/layout.js';
import { formatDuration } from '../report/format.js';
import { listSubrunEntries, type RunRecords } from '../report/runData.js';
import type { StepRow } from '../report/stepScan.js';
import { readTail } from '../report/tail.js';
import { buildShmooView, describeRun } from '../report/viewModel.js';
import { readRunActivity } from '../runs/activity.js';
import { listRuns } from '../runs/catalog.js';
import { diffRuns } from '../runs/diff.js';
import { findStepLog, type FoundRun } from './runEntries.js';
import type { RunTail } from './runTail.js';

/** Rows per page of a step table. */
export const STEP_PAGE = 100;
/** Lines of each log shown on a step's page. */
export const LOG_TAIL_LINES = 200;

/** The runs list page. */
export function buildRunsListView(root: string) {
  const rows = listRuns(root).map((r) => ({
    id: r.id, status: r.status, unit: r.unit ?? '—', flow: r.flow ?? '—', margin: r.margin ?? '—',
    counts: r.counts ? Object.entries(r.counts).filter(([, n]) => Number(n) > 0).map(([k, n]) => `${k} ${String(n)}`).join(', ') : '—',
    startedAt: r.started_at, duration: formatDuration(r.duration_ms) || (r.status === 'running' ? 'running' : '—'), notes: r.notes.join('; '),
  }));
  return { rows };
}

/** Whether a run is under way: it holds the run lock and its process is alive. */
export function isRunLive(root: string, id: string): boolean {
  const activity = readRunActivity(runsDir(root));
  return activity.locked_run_id === id && !activity.lock_owner_gone;
}

/** Counts and progress of a run from its tail. */
export function describeProgress(tail: RunTail, subrunTotal: number, live: boolean) {
  const running = tail.running;
  return {
    live,
    counted: tail.caughtUp,
    steps: tail.total,
    counts: { ...tail.counts, marginal: tail.marginal },
    subrunsStarted: tail.bySubrun.size,
    subrunTotal,
    running: running ? `${running.subrun_id} step ${running.index} (${running.step_id})` : null,
    version: tail.version,
    problems: tail.problems,
  };
}

/** The run page: header, progress, and the first page of steps. */
export function buildRunView(root: string, run: FoundRun, tail: RunTail, records: RunRecords) {
  const entries = listSubrunEntries(records);
  const live = isRunLive(root, run.id);
  const progress = describeProgress(tail, entries.length, live);
  const summary = records.summary;
  if (!progress.counted && !live && summary) {
    // A finished run's summary holds its final counts: no need to wait for the logs to be read.
    const c = summary.counts as unknown as Partial<Record<string, number>>;
    const counts = { passed: c.passed ?? 0, failed: c.failed ?? 0, timeout: c.timeout ?? 0, error: c.error ?? 0, interrupted: c.interrupted ?? 0, marginal: c.marginal ?? 0 };
    Object.assign(progress, {
      counted: true, counts, steps: counts.passed + counts.failed + counts.timeout + counts.error + counts.interrupted,
      subrunsStarted: summary.subruns.filter((s) => s.status !== 'planned').length,
    });
  }
  return {
    run: describeRun(records),
    progress,
    pageSize: STEP_PAGE,
    problems: records.issues.problems,
  };
}

/**
 * The shmoo of a run as the report draws it. While a run goes on its summary still says
 * `planned` for every sub-run: a sub-run with ended steps is then shown by its worst step.
 */
export function buildRunShmoo(records: RunRecords, tail: RunTail) {
  // listSubrunEntries returns fresh objects: changed in place rather than copied (25,000 of them in a large run).
  const entries = listSubrunEntries(records);
  for (const e of entries) if (e.status === 'planned' && tail.bySubrun.has(e.id)) e.status = undefined;
  return buildShmooView(records, entries, tail.bySubrun, { text: false, hits: 'data' }).shmoo;
}

/** A step row with the links of its logs. */
export function describeStepRow(runId: string, row: StepRow) {
  const log = row.log_name ? `/runs/${encodeURIComponent(runId)}/logs/${encodeURIComponent(row.subrun_id)}/${encodeURIComponent(row.log_name)}` : null;
  const metrics = Object.entries(row.metrics).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return { ...row, log, duration: formatDuration(row.duration_ms), metricsText: metrics, outcome: row.marginal ? 'marginal' : row.status };
}

/** The stdout and stderr tails of one step. */
export async function buildLogView(runId: string, subrunId: string, subrunDir: string, logName: string) {
  const streams = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const path = findStepLog(subrunDir, stream, logName);
    const tail = path ? await readTail(path, { maxLines: LOG_TAIL_LINES, maxBytes: 256 * 1024 }) : null;
    streams.push({ stream, found: tail !== null && !tail.missing, lines: tail?.lines ?? [], truncated: tail?.truncated ?? false, size: tail?.size ?? 0 });
  }
  return { runId, subrunId, logName, streams, tailLines: LOG_TAIL_LINES };
}

/** The compare view of two runs: `diff`'s data. */
export async function buildCompareView(root: string, a: FoundRun, b: FoundRun) {
  const diff = await diffRuns(root, a.id, b.id);
  return { diff, limit: 500 };
}

/** The modification time of a run's summary.json (the shmoo is drawn again when it changes), or 0. */
export async function summaryStamp(run: FoundRun): Promise<number> {
  try {
    return (await stat(join(run.dir, RECORD_FILES.summary))).mtimeMs;
  } catch {
    return 0;
  }
}
