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
import { insertJob, listUnits, markLostHosts } from './store.js';

/** One job sent. */
export interface SubmittedJob {
  job_id: string;
  unit: string;
}

/** Sends one job per unit; refuses (all, before sending any) units that are unknown, blocked, or whose host is not online. */
export async function submitJobs(pool: Pool, boss: PgBoss, req: { units: string[]; flow: string; margin: string; bundle: JobBundle; by: string }): Promise<SubmittedJob[]> {
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
    await insertJob(pool, { jobId, unit, queue, flow: req.flow, margin: req.margin, by: req.by });
    const payload: JobPayload = { format: 'road_runner.fleet-job/1', job_id: jobId, unit, flow: req.flow, margin: req.margin, bundle: req.bundle };
    // retryLimit 0: a job that failed, expired or was lost is never offered again by pg-boss.
    await boss.send(queue, payload, { id: jobId, retryLimit: 0, expireInHours: 23 });
    sent.push({ job_id: jobId, unit });
  }
  return sent;
}

/** `fleet status` as data. */
export interface FleetStatus {
  hosts: { host_id: string; hostname: string; state: string; last_heartbeat: string; heartbeat_age_ms: number; workspace: string | null }[];
  units: { serial: string; host_id: string | null; state: string; blocked_reason: string | null }[];
  jobs: { job_id: string; unit: string; state: string; detail: string | null; host_id: string | null; run_id: string | null; flow: string; margin: string; submitted_at: string; started_at: string | null; ended_at: string | null; exit_code: number | null }[];
}

/** Hosts, units and jobs (all jobs not ended, plus the last `recent` ended ones). */
export async function fleetStatus(pool: Pool, recent = 50): Promise<FleetStatus> {
  await markLostHosts(pool);
  const hosts = await pool.query(`SELECT host_id, hostname, state, to_json(last_heartbeat) #>> '{}' AS last_heartbeat,
    (extract(epoch FROM now() - last_heartbeat) * 1000)::bigint AS heartbeat_age_ms, workspace FROM road_runner.hosts ORDER BY host_id`);
  const units = await pool.query('SELECT serial, host_id, state, blocked_reason FROM road_runner.units ORDER BY serial');
  const jobs = await pool.query(`SELECT job_id, unit, state, detail, host_id, run_id, flow, margin, to_json(submitted_at) #>> '{}' AS submitted_at,
    to_json(started_at) #>> '{}' AS started_at, to_json(ended_at) #>> '{}' AS ended_at, exit_code FROM road_runner.jobs
    WHERE state IN ('queued', 'running') OR job_id IN (SELECT job_id FROM road_runner.jobs WHERE state NOT IN ('queued', 'running') ORDER BY ended_at DESC NULLS LAST LIMIT $1)
    ORDER BY submitted_at, unit`, [recent]);
  return {
    hosts: hosts.rows.map((h) => ({ ...h, heartbeat_age_ms: Number(h.heartbeat_age_ms) })),
    units: units.rows,
    jobs: jobs.rows,
  };
}

/** Cancels queued jobs (one by id, or all of a unit); a running job is not cut here: stop its agent (SIGTERM) instead. */
export async function cancelJobs(pool: Pool, boss: PgBoss, by: { jobId?: string; unit?: string }): Promise<{ cancelled: string[]; running: string[] }> {
  const r = by.jobId !== undefined
    ? await pool.query('SELECT job_id, queue, state FROM road_runner.jobs WHERE job_id::text = $1', [by.jobId])
    : await pool.query("SELECT job_id, queue, state FROM road_runner.jobs WHERE unit = $1 AND state IN ('queued', 'running')", [by.unit]);
  if (by.jobId !== undefined && r.rowCount === 0) throw new UsageError(`no fleet job ${by.jobId}`, 'road_runner fleet status lists the jobs');
  const cancelled: string[] = [];
  const running: string[] = [];
  for (const row of r.rows as { job_id: string; queue: string; state: string }[]) {
    if (row.state === 'running') {
      running.push(row.job_id);
      continue;
    }
    const done = await pool.query("UPDATE road_runner.jobs SET state = 'cancelled', ended_at = now(), detail = 'cancelled before it started' WHERE job_id = $1 AND state = 'queued'", [row.job_id]);
    if (done.rowCount) {
      await boss.cancel(row.queue, row.job_id).catch(() => undefined);
      cancelled.push(row.job_id);
    }
  }
  return { cancelled, running };
}

/** A person vouches that a blocked unit's rails are at nominal: the unit takes jobs again; its lost job stays lost. */
export async function clearUnit(pool: Pool, boss: PgBoss, serial: string, operator: string): Promise<{ wasBlocked: boolean }> {
  const r = await pool.query("UPDATE road_runner.units SET state = 'idle', blocked_reason = NULL, updated_at = now() WHERE serial = $1 AND state = 'blocked' RETURNING serial", [serial]);
  const exists = await pool.query('SELECT 1 FROM road_runner.units WHERE serial = $1', [serial]);
  if (!exists.rowCount) throw new UsageError(`no unit ${serial} in the fleet`, 'road_runner fleet status lists the units');
  const lost = await pool.query(`UPDATE road_runner.jobs SET detail = detail || $2 WHERE unit = $1 AND state = 'lost' AND detail NOT LIKE '%cleared by%' RETURNING job_id, queue`,
    [serial, ` (unit cleared by ${operator})`]);
  for (const j of lost.rows as { job_id: string; queue: string }[]) await boss.fail(j.queue, j.job_id, { reason: 'lost; unit cleared' }).catch(() => undefined);
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
}

/** The runs uploaded, newest first. */
export async function fleetResults(pool: Pool): Promise<FleetResult[]> {
  const r = await pool.query(`SELECT r.run_id, r.job_id, r.unit, r.host_id, r.status, r.flow, r.margin,
    to_json(r.started_at) #>> '{}' AS started_at, to_json(r.ended_at) #>> '{}' AS ended_at, r.summary -> 'counts' AS counts,
    (SELECT count(*) FROM road_runner.steps s WHERE s.run_id = r.run_id)::int AS steps_uploaded
    FROM road_runner.runs r ORDER BY r.started_at DESC NULLS LAST, r.run_id`);
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
  const r = await pool.query("SELECT job_id::text, unit, host_id, state, detail, run_id FROM road_runner.jobs WHERE state IN ('lost', 'crashed') ORDER BY submitted_at");
  return r.rows as TroubleJob[];
}
