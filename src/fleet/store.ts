// road_runner's fleet state in PostgreSQL: hosts and their heartbeats, units, jobs. Plain
// functions over a pg pool; the job queue itself is pg-boss's. Our own job state wins over
// pg-boss's: a job that is lost or crashed is never offered again (retryLimit 0, and the
// agent skips a job whose row is not `queued`).

import type { Pool } from 'pg';

/** Host states: `lost` is a heartbeat that stopped while a job ran (or any heartbeat that stopped). */
export type HostState = 'online' | 'offline' | 'lost' | 'maintenance';
export type UnitState = 'idle' | 'busy' | 'blocked';
export type JobState = 'queued' | 'running' | 'passed' | 'marginal' | 'failed' | 'refused' | 'interrupted' | 'crashed' | 'aborted' | 'lost' | 'cancelled' | 'error';

/** The job state text for a job whose host stopped sending heartbeats. */
export const LOST_DETAIL = 'lost — rail state unknown';

/** An agent's registration. */
export interface HostRegistration {
  hostId: string;
  hostname: string;
  pid: number;
  workspace: string;
  heartbeatMs: number;
  lostAfterMs: number;
  version: string;
}

/** Registers (or re-registers) a host as online and claims its units; refuses a unit another online host serves. */
export async function registerHost(pool: Pool, h: HostRegistration, units: string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO road_runner.hosts (host_id, hostname, state, pid, workspace, heartbeat_ms, lost_after_ms, last_heartbeat, started_at, version)
      VALUES ($1, $2, 'online', $3, $4, $5, $6, now(), now(), $7)
      ON CONFLICT (host_id) DO UPDATE SET hostname = $2, state = CASE WHEN road_runner.hosts.state = 'maintenance' THEN 'maintenance' ELSE 'online' END,
        pid = $3, workspace = $4, heartbeat_ms = $5, lost_after_ms = $6, last_heartbeat = now(), started_at = now(), version = $7`,
    [h.hostId, h.hostname, h.pid, h.workspace, h.heartbeatMs, h.lostAfterMs, h.version]);
    for (const serial of units) {
      const other = await client.query(`SELECT u.host_id FROM road_runner.units u JOIN road_runner.hosts h ON h.host_id = u.host_id
        WHERE u.serial = $1 AND u.host_id <> $2 AND h.state IN ('online', 'lost')`, [serial, h.hostId]);
      if (other.rowCount) throw new UnitTakenError(serial, other.rows[0].host_id as string);
      await client.query(`INSERT INTO road_runner.units (serial, host_id, state, updated_at) VALUES ($1, $2, 'idle', now())
        ON CONFLICT (serial) DO UPDATE SET host_id = $2, updated_at = now()`, [serial, h.hostId]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A unit that another online host serves. */
export class UnitTakenError extends Error {
  constructor(readonly serial: string, readonly hostId: string) {
    super(`unit ${serial} is served by host ${hostId}, which is online`);
  }
}

/** The heartbeat: this host is alive (a host written off as lost or offline is online again; a lost job stays lost until its agent reports it). */
export async function beat(pool: Pool, hostId: string): Promise<HostState | null> {
  const r = await pool.query(`UPDATE road_runner.hosts SET last_heartbeat = now(), state = CASE WHEN state IN ('offline', 'lost') THEN 'online' ELSE state END
    WHERE host_id = $1 RETURNING state`, [hostId]);
  return (r.rows[0]?.state as HostState | undefined) ?? null;
}

/** How long the server lets a look-out's transaction sit idle (its agent lost its link mid-way) before ending it. */
export const LOOKOUT_IDLE_MS = 5000;

/**
 * Writes off hosts whose heartbeat is older than their own limit: the host becomes `lost`,
 * its running jobs `lost — rail state unknown`, their units `blocked`. Returns the hosts written off.
 */
export async function markLostHosts(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // A look-out cut off the network in the middle of this transaction would keep its lock (and
    // the rows it updated) until the server noticed the dead link, which with no traffic can take
    // hours: every other look-out would wait behind it and no host would be written off again.
    // The server ends such a session after LOOKOUT_IDLE_MS idle in the transaction.
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${LOOKOUT_IDLE_MS}`);
    // One look-out at a time (every agent runs this with its heartbeat); a look-out that finds
    // another at work skips this round instead of waiting (its own heartbeat must not stall).
    const got = await client.query('SELECT pg_try_advisory_xact_lock(7242002) AS ok');
    if (got.rows[0]?.ok !== true) {
      await client.query('COMMIT');
      return [];
    }
    const lost = await client.query(`UPDATE road_runner.hosts SET state = 'lost'
      WHERE state IN ('online', 'maintenance') AND last_heartbeat < now() - make_interval(secs => lost_after_ms / 1000.0)
      RETURNING host_id`);
    const ids = lost.rows.map((r) => r.host_id as string);
    if (ids.length > 0) {
      const jobs = await client.query(`UPDATE road_runner.jobs SET state = 'lost', detail = $2, ended_at = now()
        WHERE host_id = ANY($1) AND state = 'running' RETURNING unit`, [ids, LOST_DETAIL]);
      const units = jobs.rows.map((r) => r.unit as string);
      await client.query(`UPDATE road_runner.units SET state = 'blocked', blocked_reason = $2, updated_at = now() WHERE serial = ANY($1)`,
        [units, 'its host stopped sending heartbeats during a job: rail state unknown']);
    }
    await client.query('COMMIT');
    return ids;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Marks a host offline (an agent that stops cleanly). */
export async function markOffline(pool: Pool, hostId: string): Promise<void> {
  await pool.query(`UPDATE road_runner.hosts SET state = 'offline' WHERE host_id = $1 AND state <> 'lost'`, [hostId]);
}

/** The units with their host's state, for submit and status. */
export async function listUnits(pool: Pool): Promise<{ serial: string; host_id: string | null; state: UnitState; blocked_reason: string | null; host_state: HostState | null }[]> {
  const r = await pool.query(`SELECT u.serial, u.host_id, u.state, u.blocked_reason, h.state AS host_state
    FROM road_runner.units u LEFT JOIN road_runner.hosts h ON h.host_id = u.host_id ORDER BY u.serial`);
  return r.rows;
}

/** Records a submitted job (state queued). */
export async function insertJob(pool: Pool, j: { jobId: string; unit: string; queue: string; flow: string; margin: string; by: string }): Promise<void> {
  await pool.query(`INSERT INTO road_runner.jobs (job_id, unit, queue, flow, margin, state, submitted_at, submitted_by)
    VALUES ($1, $2, $3, $4, $5, 'queued', now(), $6)`, [j.jobId, j.unit, j.queue, j.flow, j.margin, j.by]);
}

/** Claims a queued job for this host (queued → running, unit busy); false when the job is no longer queued. */
export async function claimJob(pool: Pool, jobId: string, hostId: string): Promise<boolean> {
  const r = await pool.query(`UPDATE road_runner.jobs SET state = 'running', host_id = $2, started_at = now() WHERE job_id = $1 AND state = 'queued' RETURNING unit`, [jobId, hostId]);
  if (!r.rowCount) return false;
  await pool.query(`UPDATE road_runner.units SET state = 'busy', updated_at = now() WHERE serial = $1`, [r.rows[0].unit]);
  return true;
}

/** Notes the run a job started. */
export async function setJobRun(pool: Pool, jobId: string, runId: string): Promise<void> {
  await pool.query('UPDATE road_runner.jobs SET run_id = $2 WHERE job_id = $1', [jobId, runId]);
}

/**
 * Ends a job with its outcome and frees its unit. A job already written off as `lost` keeps
 * its unit blocked unless `unblock` (the agent came back and its rails are known at nominal).
 */
export async function finishJob(pool: Pool, jobId: string, f: { state: JobState; detail: string | null; exitCode: number | null; runId: string | null; unblock?: boolean }): Promise<void> {
  const r = await pool.query(`UPDATE road_runner.jobs SET state = $2, detail = $3, exit_code = $4, run_id = COALESCE($5, run_id), ended_at = now()
    WHERE job_id = $1 RETURNING unit`, [jobId, f.state, f.detail, f.exitCode, f.runId]);
  const unit = r.rows[0]?.unit as string | undefined;
  if (unit === undefined) return;
  await pool.query(`UPDATE road_runner.units SET state = 'idle', blocked_reason = NULL, updated_at = now()
    WHERE serial = $1 AND (state = 'busy' OR $2)`, [unit, f.unblock === true]);
}

/** The jobs of a host left `running` or `lost` (its agent died): what a restarting agent settles. */
export async function unsettledJobs(pool: Pool, hostId: string): Promise<{ job_id: string; unit: string; queue: string; run_id: string | null; state: JobState }[]> {
  const r = await pool.query(`SELECT job_id, unit, queue, run_id, state FROM road_runner.jobs WHERE host_id = $1 AND state IN ('running', 'lost') ORDER BY started_at`, [hostId]);
  return r.rows;
}

/** Current job row by id. */
export async function jobState(pool: Pool, jobId: string): Promise<JobState | null> {
  const r = await pool.query('SELECT state FROM road_runner.jobs WHERE job_id = $1', [jobId]);
  return (r.rows[0]?.state as JobState | undefined) ?? null;
}

/** Whether a unit may take a job now. */
export async function unitState(pool: Pool, serial: string): Promise<UnitState | null> {
  const r = await pool.query('SELECT state FROM road_runner.units WHERE serial = $1', [serial]);
  return (r.rows[0]?.state as UnitState | undefined) ?? null;
}
