#!/usr/bin/env node
// A lightweight fleet agent for the dispatch benchmark: `node fleetWorker.mjs HOST_ID UNIT POLL_MS`
// with RR_DATABASE_URL set. It registers its host and unit and takes jobs with the agent's own
// queue-taking path (the unit must be idle, pg-boss fetch of one job from the unit's queue,
// claimJob, then finishJob and complete; between polls the agent's job bell), but runs nothing:
// each job ends at once as passed.
// Stops on SIGTERM. Prints "ready" once registered and "took N" when it stops.

import { hostname } from 'node:os';
import { ensureQueue } from '../../dist/fleet/agent.js';
import { resolveDatabase } from '../../dist/fleet/connection.js';
import { openPool, startBoss, unitQueue } from '../../dist/fleet/db.js';
import { listenForJobs } from '../../dist/fleet/jobBell.js';
import { claimJob, finishJob, markOffline, registerHost, unitState } from '../../dist/fleet/store.js';

const [hostId, unit, pollArg] = process.argv.slice(2);
const pollMs = Number(pollArg);
const target = resolveDatabase({ env: process.env });
const say = (line) => process.stderr.write(`${hostId}: ${line}\n`);
const pool = await openPool(target, say, 2);
const boss = await startBoss(target, say, false);
let stopping = false;
const stop = new AbortController();
process.on('SIGTERM', () => { stopping = true; stop.abort(); });
// As the agent does, start-up waits out a deadlock between agents that create their queues together.
async function patiently(fn) {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (n >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * n));
    }
  }
}
await patiently(() => registerHost(pool, { hostId, hostname: hostname(), pid: process.pid, workspace: '/bench', heartbeatMs: 60_000, lostAfterMs: 3_600_000, version: 'bench' }, [unit]));
const queue = unitQueue(unit);
await patiently(() => ensureQueue(boss, queue));
const bell = listenForJobs(pool, [unit]);
process.stdout.write('ready\n');
let took = 0;
while (!stopping) {
  let job = null;
  if ((await unitState(pool, unit)) === 'idle') [job] = await boss.fetch(queue, { batchSize: 1 });
  if (!job) {
    await bell.wait(pollMs, stop.signal);
    continue;
  }
  if (await claimJob(pool, job.id, job.id, hostId)) { // a first chunk: its pg-boss id is the job id
    took++;
    await finishJob(pool, job.id, { state: 'passed', detail: null, exitCode: 0, runId: null, unblock: true });
    await boss.complete(queue, job.id, { state: 'passed' });
  }
}
bell.close();
await markOffline(pool, hostId).catch(() => undefined);
await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
await pool.end();
process.stdout.write(`took ${took}\n`);
