// road_runner's own tables in the fleet database (schema `road_runner`), as numbered
// migrations applied once each and recorded in road_runner.migrations. pg-boss keeps its
// queue in its own schema (`pgboss`), created by boss.start().

import type { Pool, PoolClient } from 'pg';

/** The schema holding road_runner's tables. */
export const FLEET_SCHEMA = 'road_runner';

/** One migration: its version and the SQL that brings the schema from version-1 to it. */
interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'hosts, units, jobs, runs, sub-runs, steps, boundaries',
    sql: `
CREATE TABLE road_runner.hosts (
  host_id text PRIMARY KEY,
  hostname text NOT NULL,
  state text NOT NULL CHECK (state IN ('online', 'offline', 'lost', 'maintenance')),
  pid integer,
  workspace text,
  heartbeat_ms integer NOT NULL,
  lost_after_ms integer NOT NULL,
  last_heartbeat timestamptz NOT NULL,
  started_at timestamptz NOT NULL,
  version text
);
CREATE TABLE road_runner.units (
  serial text PRIMARY KEY,
  host_id text REFERENCES road_runner.hosts(host_id),
  state text NOT NULL CHECK (state IN ('idle', 'busy', 'blocked')),
  blocked_reason text,
  updated_at timestamptz NOT NULL
);
CREATE TABLE road_runner.jobs (
  job_id uuid PRIMARY KEY,
  unit text NOT NULL,
  queue text NOT NULL,
  flow text NOT NULL,
  margin text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'passed', 'marginal', 'failed', 'refused', 'interrupted', 'crashed', 'aborted', 'lost', 'cancelled', 'error')),
  detail text,
  host_id text,
  run_id text,
  exit_code integer,
  submitted_at timestamptz NOT NULL,
  started_at timestamptz,
  ended_at timestamptz,
  submitted_by text
);
CREATE INDEX jobs_unit ON road_runner.jobs (unit, submitted_at);
CREATE TABLE road_runner.runs (
  run_id text PRIMARY KEY,
  job_id uuid,
  host_id text NOT NULL,
  unit text NOT NULL,
  status text NOT NULL,
  flow text,
  margin text,
  seed bigint,
  started_at timestamptz,
  ended_at timestamptz,
  summary jsonb NOT NULL,
  plan jsonb,
  uploaded_at timestamptz NOT NULL
);
CREATE TABLE road_runner.subruns (
  subrun_id text PRIMARY KEY,
  run_id text NOT NULL REFERENCES road_runner.runs(run_id),
  index integer NOT NULL,
  status text NOT NULL,
  margins jsonb NOT NULL,
  summary jsonb NOT NULL,
  uploaded_at timestamptz NOT NULL
);
CREATE TABLE road_runner.steps (
  run_id text NOT NULL REFERENCES road_runner.runs(run_id),
  subrun_id text NOT NULL,
  step_index integer NOT NULL,
  step_id text NOT NULL,
  adapter text NOT NULL,
  status text NOT NULL,
  exit_code integer,
  duration_ms bigint,
  started_at timestamptz,
  ended_at timestamptz,
  margins jsonb,
  params jsonb,
  metrics jsonb,
  error text,
  event jsonb NOT NULL,
  uploaded_at timestamptz NOT NULL,
  PRIMARY KEY (subrun_id, step_index)
);
CREATE INDEX steps_run ON road_runner.steps (run_id);
CREATE TABLE road_runner.boundaries (
  run_id text NOT NULL REFERENCES road_runner.runs(run_id),
  column_key text NOT NULL,
  unit text NOT NULL,
  rail text NOT NULL,
  direction text NOT NULL,
  axes jsonb NOT NULL,
  raw double precision,
  confirmed double precision,
  guard_banded double precision,
  column_data jsonb NOT NULL,
  PRIMARY KEY (run_id, column_key)
);`,
  },
  {
    version: 2,
    name: 'jobs in chunks of sub-runs that resume one run',
    // A job's row stays one row for its whole chain; each chunk is its own pg-boss job
    // (boss_job_id: the current one). chunk_size NULL: the job is one whole run.
    sql: `
ALTER TABLE road_runner.jobs
  ADD COLUMN boss_job_id uuid,
  ADD COLUMN chunk_size integer CHECK (chunk_size IS NULL OR chunk_size >= 1),
  ADD COLUMN chunks_total integer NOT NULL DEFAULT 1,
  ADD COLUMN chunk_index integer NOT NULL DEFAULT 0,
  ADD COLUMN chunks_done integer NOT NULL DEFAULT 0,
  ADD COLUMN chunk_expire_s integer,
  ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
UPDATE road_runner.jobs SET boss_job_id = job_id;`,
  },
  {
    version: 3,
    name: 'a trace of having been lost',
    // Set when a job is written off as lost; kept when its agent later reports the run.
    sql: `
ALTER TABLE road_runner.jobs ADD COLUMN was_lost_at timestamptz;
UPDATE road_runner.jobs SET was_lost_at = ended_at WHERE state = 'lost';`,
  },
];

/** The newest schema version this road_runner knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies every migration not applied yet, in one transaction each; returns the versions applied. */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${FLEET_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (await applyOne(client, m)) applied.push(m.version);
    }
    return applied;
  } finally {
    client.release();
  }
}

// One migration under an advisory lock, so that two `fleet init` at once do not race.
async function applyOne(client: PoolClient, m: Migration): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(7242001)');
    const done = await client.query(`SELECT 1 FROM ${FLEET_SCHEMA}.migrations WHERE version = $1`, [m.version]);
    if (done.rowCount) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(m.sql);
    await client.query(`INSERT INTO ${FLEET_SCHEMA}.migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The schema version of the database, or null when `fleet init` never ran there. */
export async function schemaVersion(pool: Pool): Promise<number | null> {
  const exists = await pool.query(`SELECT to_regclass('${FLEET_SCHEMA}.migrations') AS t`);
  if (exists.rows[0]?.t === null) return null;
  const r = await pool.query(`SELECT max(version) AS v FROM ${FLEET_SCHEMA}.migrations`);
  return (r.rows[0]?.v as number | null) ?? null;
}
