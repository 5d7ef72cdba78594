// Uploads a run's records from its local folder (which stays complete and authoritative) into
// the fleet database: the parent summary and plan, each sub-run summary, each ended step and
// the boundary. Every row is an upsert keyed by run, sub-run and step ids, so uploading the
// same folder twice, or again after an outage, never duplicates anything.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { readJsonFile } from '../records/jsonFile.js';
import { BOUNDARY_FILE, columnKey, readBoundary } from '../records/boundaryRead.js';
import { readEvents, readEventsSync } from '../records/eventReader.js';
import { RECORD_FILES } from '../records/layout.js';
import type { RunSummary, StepEndEvent, StepStartEvent, SubrunSummary } from '../records/recordTypes.js';
import { runFolderLayout } from '../records/runFolderLayout.js';

/** Rows per multi-row upsert (15 parameters a step row: 7,500 of PostgreSQL's 65,535). */
const BATCH = 500;
/** Event logs up to this size are read in one synchronous call. */
const SYNC_READ_MAX = 4 * 1024 * 1024;

// Appends one row's parameters to `values` and returns its `($n, …, now())` tuple.
function tuple(values: unknown[], row: unknown[]): string {
  const base = values.length;
  values.push(...row);
  return `(${row.map((_, k) => `$${base + k + 1}`).join(', ')}, now())`;
}

/** Counts of rows sent by one sync. */
export interface SyncCounts {
  runs: number;
  subruns: number;
  steps: number;
  boundaries: number;
}

/** Keeps what was already uploaded from one run folder so that each sync sends only what changed. */
export class RunUploader {
  private readonly sentSteps = new Set<string>();
  private readonly sentFiles = new Map<string, number>();

  constructor(private readonly pool: Pool, readonly runDir: string, readonly runId: string, private readonly meta: { hostId: string; jobId: string | null }) {}

  /** Sends everything new in the folder; throws on a database error (nothing is marked sent then). */
  async sync(): Promise<SyncCounts> {
    const counts: SyncCounts = { runs: 0, subruns: 0, steps: 0, boundaries: 0 };
    const summaryFile = path.join(this.runDir, RECORD_FILES.summary);
    if (!existsSync(summaryFile)) return counts;
    const runChanged = this.changed(summaryFile);
    if (runChanged !== null) {
      const s = readJsonFile(summaryFile, 'run summary') as RunSummary;
      const planFile = path.join(this.runDir, RECORD_FILES.plan);
      const plan = existsSync(planFile) ? readJsonFile(planFile, 'plan') : null;
      await this.pool.query(`INSERT INTO road_runner.runs (run_id, job_id, host_id, unit, status, flow, margin, seed, started_at, ended_at, summary, plan, uploaded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
        ON CONFLICT (run_id) DO UPDATE SET status = $5, ended_at = $10, summary = $11, plan = COALESCE($12, road_runner.runs.plan), uploaded_at = now(),
          job_id = COALESCE(road_runner.runs.job_id, $2)`,
      [s.run_id, this.meta.jobId, this.meta.hostId, s.unit, s.status, s.flow, s.margin, s.seed, s.started_at, s.ended_at, JSON.stringify(s), plan === null ? null : JSON.stringify(plan)]);
      counts.runs = 1;
    }
    // Everything new is gathered first, then sent in multi-row upserts (one round trip per
    // 500 rows, not one per sub-run): a run of many short sub-runs uploads at thousands of steps per second.
    const layout = runFolderLayout(this.runDir, this.runId);
    const ids = layout.listSubrunIds();
    const subs: { sub: SubrunSummary; file: string; stamp: number }[] = [];
    for (const id of ids) {
      const file = path.join(layout.subrunDir(id), RECORD_FILES.summary);
      const stamp = existsSync(file) ? this.changed(file) : null;
      if (stamp !== null) subs.push({ sub: readJsonFile(file, 'sub-run summary') as SubrunSummary, file, stamp });
    }
    for (let i = 0; i < subs.length; i += BATCH) {
      const chunk = subs.slice(i, i + BATCH);
      const values: unknown[] = [];
      const tuples = chunk.map(({ sub }) => tuple(values, [sub.id, this.runId, sub.index, sub.status, JSON.stringify(sub.margins), JSON.stringify(sub)]));
      await this.pool.query(`INSERT INTO road_runner.subruns (subrun_id, run_id, index, status, margins, summary, uploaded_at) VALUES ${tuples.join(', ')}
        ON CONFLICT (subrun_id) DO UPDATE SET status = EXCLUDED.status, margins = EXCLUDED.margins, summary = EXCLUDED.summary, uploaded_at = now()`, values);
      for (const c of chunk) this.markSent(c.file, c.stamp);
      counts.subruns += chunk.length;
    }
    // One read per event log (the earlier layout shares one log among all sub-runs).
    const logs = [...new Set(ids.map((id) => layout.eventLogOf(id)))];
    counts.steps += await this.syncSteps(logs);
    const boundaryFile = path.join(this.runDir, BOUNDARY_FILE);
    const boundaryStamp = existsSync(boundaryFile) ? this.changed(boundaryFile) : null;
    if (boundaryStamp !== null) {
      const b = readBoundary(this.runDir, this.runId);
      if (b.kind === 'found') {
        const unit = (readJsonFile(summaryFile, 'run summary') as RunSummary).unit;
        for (const col of b.boundary.columns) {
          await this.pool.query(`INSERT INTO road_runner.boundaries (run_id, column_key, unit, rail, direction, axes, raw, confirmed, guard_banded, column_data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (run_id, column_key) DO UPDATE SET raw = $7, confirmed = $8, guard_banded = $9, column_data = $10`,
          [this.runId, columnKey(col.axes), unit, b.boundary.rail, b.boundary.direction, JSON.stringify(col.axes), col.raw, col.confirmed, col.guard_banded, JSON.stringify(col)]);
          counts.boundaries++;
        }
      }
      this.markSent(boundaryFile, boundaryStamp);
    }
    if (runChanged !== null) this.markSent(summaryFile, runChanged);
    return counts;
  }

  // Ended steps of the event logs not sent yet, in one multi-row upsert per BATCH.
  private async syncSteps(files: string[]): Promise<number> {
    const starts = new Map<string, StepStartEvent>();
    const pending = new Map<string, StepEndEvent>();
    const read: { file: string; stamp: number }[] = [];
    for (const file of files) {
      // A log unchanged since its rows were sent is not read again (only the running sub-run's grows).
      const stamp = existsSync(file) ? this.changed(file) : null;
      if (stamp === null) continue;
      read.push({ file, stamp });
      // A sub-run's log is small: read in one call (see readEventsSync); a large one is streamed.
      const events = statSync(file).size <= SYNC_READ_MAX ? readEventsSync(file) : readEvents(file);
      for await (const e of events) {
        if (e.event === 'step_start') {
          const s = e as unknown as StepStartEvent;
          starts.set(`${s.subrun_id}#${s.index}`, s);
        } else if (e.event === 'step_end') {
          const s = e as unknown as StepEndEvent;
          const key = `${s.subrun_id}#${s.index}`;
          if (!this.sentSteps.has(key)) pending.set(key, s); // a key once per statement
        }
      }
    }
    const rows = [...pending.values()];
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      const values: unknown[] = [];
      const tuples = chunk.map((s) => {
        const start = starts.get(`${s.subrun_id}#${s.index}`);
        return tuple(values, [s.run_id, s.subrun_id, s.index, s.step_id, s.adapter, s.status, s.exit_code, s.duration_ms, s.started_at, s.ended_at,
          JSON.stringify(start?.margins ?? null), JSON.stringify(start?.params ?? null), JSON.stringify(s.metrics ?? {}), s.error, JSON.stringify(s)]);
      });
      await this.pool.query(`INSERT INTO road_runner.steps (run_id, subrun_id, step_index, step_id, adapter, status, exit_code, duration_ms, started_at, ended_at, margins, params, metrics, error, event, uploaded_at)
        VALUES ${tuples.join(', ')}
        ON CONFLICT (subrun_id, step_index) DO UPDATE SET status = EXCLUDED.status, exit_code = EXCLUDED.exit_code, duration_ms = EXCLUDED.duration_ms,
          ended_at = EXCLUDED.ended_at, metrics = EXCLUDED.metrics, error = EXCLUDED.error, event = EXCLUDED.event, uploaded_at = now()`, values);
      for (const s of chunk) this.sentSteps.add(`${s.subrun_id}#${s.index}`);
    }
    for (const r of read) this.markSent(r.file, r.stamp);
    return rows.length;
  }

  // The file's change stamp when it differs from the one last sent, else null.
  private changed(file: string): number | null {
    const st = statSync(file);
    const stamp = st.mtimeMs * 1e6 + st.size;
    return this.sentFiles.get(file) === stamp ? null : stamp;
  }

  private markSent(file: string, stamp: number): void {
    this.sentFiles.set(file, stamp);
  }
}
