// The wake-up for new jobs (src/fleet/jobBell.ts), on a real PostgreSQL: a notification for one
// of the agent's units ends its wait between polls, one for another unit does not, and a
// listening connection the server drops is replaced. End to end: an agent polling only once a
// minute starts a submitted job within seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { listenForJobs, ringJobBell } from '../../src/fleet/jobBell.js';
import {
  cli, freshDatabase, initWorkspaces, query, removeWorkspace, skipWithoutDatabase, startAgent, waitFor, writeFlow, writeMargin,
  type FleetWorkspace, type Running,
} from './harness.js';

describe.skipIf(skipWithoutDatabase())('fleet: the job bell', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  const workspaces: FleetWorkspace[] = [];
  const agents: Running[] = [];

  beforeAll(async () => {
    db = await freshDatabase('bell');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    pool.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    for (const w of workspaces) removeWorkspace(w);
    await pool?.end();
    await db?.drop();
  }, 60_000);

  /** How a wait of `ms` ended: 'rung' when it ended well before its time. */
  async function waitOutcome(bell: ReturnType<typeof listenForJobs>, ms: number, during: () => Promise<void>): Promise<'rung' | 'timed out'> {
    const started = Date.now();
    const waiting = bell.wait(ms, new AbortController().signal);
    await during();
    await waiting;
    return Date.now() - started < ms / 2 ? 'rung' : 'timed out';
  }

  const listening = (n: number) => waitFor(`${n} listening connection(s)`, async () =>
    (await query(db.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN road_runner_jobs' AND datname = current_database()"))[0]!.n === n);

  it('wakes for its own units only, and listens again after its connection was dropped', async () => {
    const bell = listenForJobs(pool, ['SN1', 'SN2']);
    try {
      await listening(1);
      expect(await waitOutcome(bell, 20_000, () => ringJobBell(pool, 'SN2'))).toBe('rung');
      expect(await waitOutcome(bell, 1_500, () => ringJobBell(pool, 'SN9'))).toBe('timed out');
      // The server ends the listening session (a restart, a network cut): the bell listens again.
      await query(db.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN road_runner_jobs' AND datname = current_database()");
      await bell.wait(10, new AbortController().signal); // the wait right after a drop does not sleep
      await listening(1);
      expect(await waitOutcome(bell, 20_000, () => ringJobBell(pool, 'SN1'))).toBe('rung');
    } finally {
      bell.close();
    }
    await listening(0);
  }, 90_000);

  it('an agent that polls once a minute starts a submitted job within seconds', async () => {
    const [desk, lab] = await initWorkspaces('bell-desk', 'bell-lab');
    workspaces.push(desk!, lab!);
    const env = { RR_DATABASE_URL: db.url };
    expect((await cli(['fleet', 'init'], env)).code).toBe(0);
    const agent = startAgent(lab!, db.url, 'SN500', 'host-bell', ['--poll-ms', '60000']);
    agents.push(agent);
    // Online and past its first poll of the (empty) queue: now it waits a minute.
    await waitFor('the host online', async () => (await query(db.url, "SELECT state FROM road_runner.hosts WHERE host_id = 'host-bell'"))[0]?.state === 'online', 30_000, agent.output);
    await listening(1);
    await new Promise((r) => setTimeout(r, 2000)); // its first fetch found nothing; it is in its wait
    writeFlow(desk!, 'quick', 'steps:\n  - {id: smoke, adapter: cpu-smoke, params: {iterations: 100}}\n');
    writeMargin(desk!, 'one', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {fixed: 950}\n    freq_mhz: {fixed: 2000}\n');
    const sub = await cli(['fleet', 'submit', '--root', desk!.root, '--flow', 'quick', '--margin', 'one', '--units', 'SN500', '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobs[0].job_id as string;
    const row = await waitFor('the job started', async () =>
      (await query(db.url, 'SELECT started_at, submitted_at, extract(epoch FROM started_at - submitted_at)::float AS waited_s FROM road_runner.jobs WHERE job_id = $1 AND started_at IS NOT NULL', [jobId]))[0],
    45_000, agent.output);
    // Without the bell the agent would have slept until its next poll, up to 60 s away.
    expect(row.waited_s, agent.output()).toBeLessThan(30);
  }, 120_000);
});
