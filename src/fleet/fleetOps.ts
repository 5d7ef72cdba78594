// The operator's side of the fleet: submit jobs, show status and results, cancel, clear a
// blocked unit, export. Plain functions over the pool and pg-boss; the CLI prints what they return.

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import { UsageError } from '../errors.js';
import { ensureQueue, type JobPayload } from './agent.js';
import { unitQueue } from './db.js';
import type { BoundaryRow, TroubleJob } from './fleetReport.js';
import type { JobBundle } from './jobInputs.js';
import { ringJobBell } from './jobBell.js';
import { MAX_EXPIRE_S } from './chunks.js';
import { insertJob, listUnits, markLostHosts, type ChunkPlan } from './store.js';

/** One job sent. */
export interface SubmittedJob {
  job_id: string;
  unit: string;
}

/** Sends one job per unit; refuses (all, before sending any) units that are unknown, blocked, or whose host is not online. */
export async function submitJobs(pool: Pool, boss: PgBoss, req: { units: string[]; flow: string; margin: string; bundle: JobBundle; by: string; chunks?: ChunkPlan }): Promise<SubmittedJob[]> {
  // Without a chunk plan (callers that predate chunks): one whole run, bounded by the longest expiry pg-boss allows.
  const chunks: ChunkPlan = req.chunks ?? { size: 1, total: 1, expireS: MAX_EXPIRE_S };
  await markLostHosts(pool);
  const known = new Map((await listUnits(pool)).map((u) => [u.serial, u]));
  const refusals: string[] = [];
  for (const serial of req.units) {
    const u = known.get(serial);
    if (!u) refusals.push(`unit ${serial}: no agent has registered it`);
    else if (u.host_state !== 'online') refusals.push(`unit ${serial}: its host ${u.host_id} is ${u.host_state ?? 'unknown'}`);
    else if (u.state === 'blocked') refusals.push(`unit ${serial}: blocked (${u.blocked_reason ?? 'see fleet status'})`);
  }
  if (refusals.length > 0) {
    throw new UsageError(`nothing submitted: ${refusals.join('; ')}`,
      'start the agent of that host (road_runner agent --unit SN), wait for it to recover a lost job, or `road_runner fleet clear UNIT` once its rails are known at nominal');
  }
  const sent: SubmittedJob[] = [];
  for (const unit of req.units) {
    const jobId = randomUUID();
    const queue = unitQueue(unit);
    await ensureQueue(boss, queue);
    await insertJob(pool, { jobId, unit, queue, flow: req.flow, margin: req.margin, by: req.by, chunks });
    const payload: JobPayload = {
      format: 'road_runner.fleet-job/1', job_id: jobId, unit, flow: req.flow, margin: req.margin, bundle: req.bundle,
      ...(chunks.total > 1 ? { chunk: { index: 0, total: chunks.total, size: chunks.size, expire_s: chunks.expireS, run_id: null } } : {}),
    };
    // retryLimit 0: a job that failed, expired or was lost is never offered again by pg-boss.
    // Its expiry is the bound of one chunk (src/fleet/chunks.ts), not a blanket day.
    await boss.send(queue, payload, { id: jobId, retryLimit: 0, expireInSeconds: chunks.expireS });
    // Wakes the unit's agent now rather than at its next poll; the poll finds the job anyway.
    await ringJobBell(pool, unit).catch(() => undefined);
    sent.push({ job_id: jobId, unit });
  }
  return sent;
}

/** `fleet status` as data. */
export interface FleetStatus {
  hosts: { host_id: string; hostname: string; state: string; last_heartbeat: string; heartbeat_age_ms: number; workspace: string | null }[];
  units: { serial: string; host_id: string | null; state: string; blocked_reason: string | null }[];
  jobs: {
    job_id: string; unit: string; state: string; detail: string | null; host_id: string | null; run_id: string | null; flow: string; margin: string;
    submitted_at: string; started_at: string | null; ended_at: string | null; exit_code: number | null;
    /** Chunks: the current one (from 0), how many ended, how many were planned. */
    chunk_index: number; chunks_done: number; chunks_total: number;
    /** When its host was written off as lost during it (kept after the agent reported the run). */
    was_lost_at: string | null;
  }[];
}

/** Hosts, units and jobs (all jobs not ended, plus the last `recent` ended ones). */
export async function fleetStatus(pool: Pool, recent = 50): Promise<FleetStatus> {
  await markLostHosts(pool);
  const hosts = await pool.query(`SELECT host_id, hostname, state, to_json(last_heartbeat) #>> '{}' AS last_heartbeat,
    (extract(epoch FROM now() - last_heartbeat) * 1000)::bigint AS heartbeat_age_ms, workspace FROM road_runner.hosts ORDER BY host_id`);
  const units = await pool.query('SELECT serial, host_id, state, blocked_reason FROM road_runner.units ORDER BY serial');
  const jobs = await pool.query(`SELECT job_id, unit, state, detail, host_id, run_id, flow, margin, to_json(submitted_at) #>> '{}' AS submitted_at,
    to_json(started_at) #>> '{}' AS started_at, to_json(ended_at) #>> '{}' AS ended_at, exit_code, chunk_index, chunks_done, chunks_total,
    to_json(was_lost_at) #>> '{}' AS was_lost_at FROM road_runner.jobs
    WHERE state IN ('queued', 'running') OR job_id IN (SELECT job_id FROM road_runner.jobs WHERE state NOT IN ('queued', 'running') ORDER BY ended_at DESC NULLS LAST LIMIT $1)
    ORDER BY submitted_at, unit`, [recent]);
  return {
    hosts: hosts.rows.map((h) => ({ ...h, heartbeat_age_ms: Number(h.heartbeat_age_ms) })),
    units: units.rows,
    jobs: jobs.rows,
  };
}

/** Cancels queued jobs (one by id, or all of a unit); a running job is not cut here: stop its agent (SIGTERM) instead. */
export async function cancelJobs(pool: Pool, boss: PgBoss, by: { jobId?: string; unit?: string }): Promise<{ cancelled: string[]; running: string[]; chainStops: string[] }> {
  const cols = 'job_id, COALESCE(boss_job_id, job_id) AS boss_job_id, queue, state, chunks_total';
  const r = by.jobId !== undefined
    ? await pool.query(`SELECT ${cols} FROM road_runner.jobs WHERE job_id::text = $1`, [by.jobId])
    : await pool.query(`SELECT ${cols} FROM road_runner.jobs WHERE unit = $1 AND state IN ('queued', 'running')`, [by.unit]);
  if (by.jobId !== undefined && r.rowCount === 0) throw new UsageError(`no fleet job ${by.jobId}`, 'road_runner fleet status lists the jobs');
  const cancelled: string[] = [];
  const running: string[] = [];
  const chainStops: string[] = [];
  for (const row of r.rows as { job_id: string; boss_job_id: string; queue: string; state: string; chunks_total: number }[]) {
    if (row.state === 'running') {
      // A chunked job stops its chain when the running chunk ends (rails at nominal between sub-runs).
      if (row.chunks_total > 1) {
        const asked = await pool.query("UPDATE road_runner.jobs SET cancel_requested = true WHERE job_id = $1 AND state = 'running'", [row.job_id]);
        if (asked.rowCount) chainStops.push(row.job_id);
      } else {
        running.push(row.job_id);
      }
      continue;
    }
    // Queued: not started, or between two chunks (its run stays interrupted, resumable by hand).
    const done = await pool.query(`UPDATE road_runner.jobs SET state = 'cancelled', ended_at = now(),
      detail = CASE WHEN chunks_done > 0 THEN 'cancelled after chunk ' || chunks_done || ' of ' || chunks_total || '; run ' || run_id || ' stays interrupted (run --resume on its host continues it)' ELSE 'cancelled before it started' END
      WHERE job_id = $1 AND state = 'queued'`, [row.job_id]);
    if (done.rowCount) {
      await boss.cancel(row.queue, row.boss_job_id).catch(() => undefined);
      cancelled.push(row.job_id);
    }
  }
  return { cancelled, running, chainStops };
}

/** A person vouches that a blocked unit's rails are at nominal: the unit takes jobs again; its lost job stays lost. */
export async function clearUnit(pool: Pool, boss: PgBoss, serial: string, operator: string): Promise<{ wasBlocked: boolean }> {
  const r = await pool.query("UPDATE road_runner.units SET state = 'idle', blocked_reason = NULL, updated_at = now() WHERE serial = $1 AND state = 'blocked' RETURNING serial", [serial]);
  const exists = await pool.query('SELECT 1 FROM road_runner.units WHERE serial = $1', [serial]);
  if (!exists.rowCount) throw new UsageError(`no unit ${serial} in the fleet`, 'road_runner fleet status lists the units');
  const lost = await pool.query(`UPDATE road_runner.jobs SET detail = detail || $2 WHERE unit = $1 AND state = 'lost' AND detail NOT LIKE '%cleared by%'
    RETURNING job_id, COALESCE(boss_job_id, job_id) AS boss_job_id, queue`, [serial, ` (unit cleared by ${operator})`]);
  for (const j of lost.rows as { job_id: string; boss_job_id: string; queue: string }[]) await boss.fail(j.queue, j.boss_job_id, { reason: 'lost; unit cleared' }).catch(() => undefined);
  return { wasBlocked: Boolean(r.rowCount) };
}

/** One row of `fleet results`: a run with its unit, host, status and counts. */
export interface FleetResult {
  run_id: string;
  job_id: string | null;
  unit: string;
  host_id: string;
  status: string;
  flow: string | null;
  margin: string | null;
  started_at: string | null;
  ended_at: string | null;
  counts: Record<string, number>;
  steps_uploaded: number;
  /** Its job's state, chunks and lost trace (null when the run has no job row). */
  job_state: string | null;
  chunks_done: number | null;
  chunks_total: number | null;
  was_lost_at: string | null;
}

/** The runs uploaded, newest first. */
export async function fleetResults(pool: Pool): Promise<FleetResult[]> {
  const r = await pool.query(`SELECT r.run_id, r.job_id, r.unit, r.host_id, r.status, r.flow, r.margin,
    to_json(r.started_at) #>> '{}' AS started_at, to_json(r.ended_at) #>> '{}' AS ended_at, r.summary -> 'counts' AS counts,
    (SELECT count(*) FROM road_runner.steps s WHERE s.run_id = r.run_id)::int AS steps_uploaded,
    j.state AS job_state, j.chunks_done, j.chunks_total, to_json(j.was_lost_at) #>> '{}' AS was_lost_at
    FROM road_runner.runs r LEFT JOIN road_runner.jobs j ON j.job_id = r.job_id ORDER BY r.started_at DESC NULLS LAST, r.run_id`);
  return r.rows;
}

/** Every uploaded step (or boundary column) as rows for `fleet export`, in a stable order. */
export async function* exportRows(pool: Pool, what: 'steps' | 'boundaries'): AsyncGenerator<Record<string, unknown>> {
  const pageSize = 5000;
  let offset = 0;
  for (;;) {
    const r = what === 'steps'
      ? await pool.query(`SELECT s.run_id, s.subrun_id, r.unit, r.host_id, s.step_index, s.step_id, s.adapter, s.status, s.exit_code, s.duration_ms,
          to_json(s.started_at) #>> '{}' AS started_at, to_json(s.ended_at) #>> '{}' AS ended_at, s.error, s.margins, s.params, s.metrics
          FROM road_runner.steps s JOIN road_runner.runs r ON r.run_id = s.run_id ORDER BY s.run_id, s.subrun_id, s.step_index LIMIT $1 OFFSET $2`, [pageSize, offset])
      : await pool.query(`SELECT b.run_id, b.unit, r.host_id, b.rail, b.direction, b.column_key, b.axes, b.raw, b.confirmed, b.guard_banded
          FROM road_runner.boundaries b JOIN road_runner.runs r ON r.run_id = b.run_id ORDER BY b.unit, b.run_id, b.column_key LIMIT $1 OFFSET $2`, [pageSize, offset]);
    for (const row of r.rows) yield row as Record<string, unknown>;
    if (r.rows.length < pageSize) return;
    offset += pageSize;
  }
}

/** Every uploaded boundary column with its run's flow, margin and start, for `fleet report`. */
export async function boundaryRows(pool: Pool): Promise<BoundaryRow[]> {
  const r = await pool.query(`SELECT b.unit, b.run_id, to_json(r.started_at) #>> '{}' AS started_at, r.flow, r.margin, b.rail, b.direction, b.column_key,
    b.raw, b.confirmed, b.guard_banded FROM road_runner.boundaries b JOIN road_runner.runs r ON r.run_id = b.run_id ORDER BY b.unit, r.started_at`);
  return r.rows as BoundaryRow[];
}

/** Jobs that ended lost or crashed. */
export async function troubleJobs(pool: Pool): Promise<TroubleJob[]> {
  // Also a job whose host was lost during it and whose agent reported its run later (it keeps was_lost_at).
  const r = await pool.query(`SELECT job_id::text, unit, host_id, state, detail, run_id, to_json(was_lost_at) #>> '{}' AS was_lost_at FROM road_runner.jobs
    WHERE state IN ('lost', 'crashed') OR was_lost_at IS NOT NULL ORDER BY submitted_at`);
  return r.rows as TroubleJob[];
}
