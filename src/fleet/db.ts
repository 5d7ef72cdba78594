// Opening the fleet database: a small pg pool for road_runner's tables and, where a command
// needs the queue, a pg-boss instance. Both are imported lazily (the CLI stays fast) and both
// report errors without the password.

import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import { UsageError } from '../errors.js';
import { databaseError, redactSecrets, type DatabaseTarget } from './connection.js';
import { SCHEMA_VERSION, schemaVersion } from './schema.js';

/** The pg-boss schema name. */
export const BOSS_SCHEMA = 'pgboss';

/** Opens a pool (errors of idle connections are reported through `onError`, never thrown). */
export async function openPool(target: DatabaseTarget, onError: (message: string) => void, max = 4): Promise<Pool> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: target.url, max, connectionTimeoutMillis: 5000, application_name: 'road_runner' });
  pool.on('error', (err) => onError(redactSecrets(err.message, target.secrets)));
  // A connection the server drops while a client is checked out (a transaction) is reported on
  // that client: without a listener it would be an uncaught error, which stops a run as a bug.
  // The query in progress fails anyway, and its caller retries.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Checks the database is reachable and `fleet init` ran there with this road_runner's schema. */
export async function assertInitialised(target: DatabaseTarget, pool: Pool): Promise<void> {
  let version: number | null;
  try {
    version = await schemaVersion(pool);
  } catch (err) {
    throw databaseError(target, err, 'connecting');
  }
  if (version === null) throw new UsageError(`the fleet database ${target.shown} has no road_runner tables`, 'run `road_runner fleet init` once for the lab');
  if (version < SCHEMA_VERSION) throw new UsageError(`the fleet database ${target.shown} is at schema version ${version}, this road_runner needs ${SCHEMA_VERSION}`, 'run `road_runner fleet init` to migrate it');
}

/** Starts pg-boss. `maintain`: create or migrate its schema and run its supervision (fleet init, agents do not). */
export async function startBoss(target: DatabaseTarget, onError: (message: string) => void, maintain: boolean): Promise<PgBoss> {
  const { default: PgBossClass } = await import('pg-boss');
  const boss = new PgBossClass({
    connectionString: target.url, schema: BOSS_SCHEMA, max: 2, application_name: 'road_runner',
    migrate: maintain, supervise: maintain, schedule: false,
  });
  boss.on('error', (err: Error) => onError(redactSecrets(err.message, target.secrets)));
  try {
    await boss.start();
  } catch (err) {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
    throw databaseError(target, err, 'starting the pg-boss queue');
  }
  return boss;
}

/** The pg-boss queue of one unit serial. */
export function unitQueue(serial: string): string {
  return `rr-unit-${serial}`;
}

/** A unit serial usable as a queue name and a file name: letters, digits, `.`, `_`, `-`. */
export function checkSerial(serial: string, where: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(serial)) {
    throw new UsageError(`${where}: "${serial}" is not a unit serial`, 'a serial is 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return serial;
}
