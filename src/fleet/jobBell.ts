// A wake-up for the agent's poll. `fleet submit` notifies a PostgreSQL channel with the unit
// serial once the job is in its queue; an agent listening on one connection stops waiting at
// once when the serial is one of its units. The poll stays the source of truth: a notification
// lost with a connection, or sent while the agent was busy, costs only the poll's own wait.

import type { Pool, PoolClient } from 'pg';

/** The channel `fleet submit` notifies, with the unit serial as payload. */
export const JOB_CHANNEL = 'road_runner_jobs';

/** Waits between attempts to listen again after the connection was lost. */
const RELISTEN_MS = 2_000;

/** Tells listening agents that `unit` has a new job (best effort: the poll finds it anyway). */
export async function ringJobBell(pool: Pick<Pool, 'query'>, unit: string): Promise<void> {
  await pool.query('SELECT pg_notify($1, $2)', [JOB_CHANNEL, unit]);
}

/** The agent's wait between polls, cut short by a notification for one of its units. */
export interface JobBell {
  /** Resolves after `ms`, when the bell rings (or rang since the last wait), or when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Stops listening and gives the connection back. */
  close(): void;
}

/** Listens on one connection of `pool` for new jobs of `units`, reconnecting after an outage. */
export function listenForJobs(pool: Pool, units: readonly string[]): JobBell {
  let client: PoolClient | null = null;
  let rung = false;
  let wake: (() => void) | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const ring = (): void => {
    rung = true;
    wake?.();
  };
  const again = (): void => {
    if (!closed) retry = setTimeout(() => void listen(), RELISTEN_MS).unref();
  };
  const drop = (c: PoolClient): void => {
    if (client !== c) return;
    client = null;
    c.release(true);
    // A notification may have been missed meanwhile: the next wait does not sleep.
    ring();
    again();
  };
  async function listen(): Promise<void> {
    if (closed) return;
    let c: PoolClient;
    try {
      c = await pool.connect();
    } catch {
      again();
      return;
    }
    c.on('error', () => drop(c));
    c.on('notification', (n) => {
      if (n.channel === JOB_CHANNEL && units.includes(n.payload ?? '')) ring();
    });
    client = c;
    try {
      await c.query(`LISTEN ${JOB_CHANNEL}`);
    } catch {
      drop(c);
      return;
    }
    if (closed) {
      client = null;
      c.release(true);
    }
  }
  void listen();

  return {
    async wait(ms, signal) {
      if (!rung && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done(): void {
            clearTimeout(timer);
            wake = null;
            signal.removeEventListener('abort', done);
            resolve();
          }
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
      rung = false;
    },
    close() {
      closed = true;
      clearTimeout(retry);
      wake?.();
      if (client !== null) {
        client.release(true);
        client = null;
      }
    },
  };
}
