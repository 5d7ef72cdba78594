// The fleet commands' way to the database: --db / --db-file / RR_DATABASE_URL resolved once,
// the pool and pg-boss opened lazily, closed whatever happens.
import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import type { DatabaseTarget } from '../fleet/connection.js';
import { RrError } from '../errors.js';
import type { CommandContext } from './context.js';

/** An open fleet database for one command. */
export interface FleetDb {
  target: DatabaseTarget;
  pool: Pool;
  /** pg-boss, started on first use. */
  boss: () => Promise<PgBoss>;
}

/** Opens the database named by the command's options, runs `fn`, and closes everything. */
export async function withFleetDb<T>(ctx: CommandContext, args: Record<string, unknown>, fn: (db: FleetDb) => Promise<T>, opts: { checkSchema?: boolean } = {}): Promise<T> {
  const { resolveDatabase, databaseError } = await import('../fleet/connection.js');
  const { openPool, startBoss, assertInitialised } = await import('../fleet/db.js');
  const target = resolveDatabase({ db: args.db as string | undefined, dbFile: args.dbFile as string | undefined, env: ctx.env });
  const pool = await openPool(target, (m) => ctx.err(`warning: fleet database: ${m}`));
  let boss: PgBoss | null = null;
  try {
    if (opts.checkSchema !== false) await assertInitialised(target, pool);
    return await fn({
      target, pool,
      boss: async () => (boss ??= await startBoss(target, (m) => ctx.err(`warning: fleet queue: ${m}`), false)),
    });
  } catch (err) {
    throw isDatabaseFailure(err) ? databaseError(target, err, 'a fleet database call') : err;
  } finally {
    await (boss as PgBoss | null)?.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

// An error from PostgreSQL, pg or pg-boss (not road_runner's own, not a bug in our code).
function isDatabaseFailure(err: unknown): boolean {
  if (err instanceof RrError) return false;
  return !(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError);
}
