// The fleet agent: the ordinary run pipeline with a different source of plans (the unit
// queues in pg-boss) and an extra sink for records (the fleet database). It registers its
// host and units, beats a heartbeat into road_runner.hosts, settles what a previous agent of
// this host left behind (recovering the crashed run first), then takes one job at a time.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import type { JobBundle } from './jobInputs.js';
import { Backoff, retryUntil, sleep } from './retry.js';
import {
  beat, claimJob, continueChain, finishJob, markLostHosts, markOffline, registerHost, setJobRun, unitState, unsettledJobs,
  UnitTakenError, type ChainStep, type HostRegistration, type JobState,
} from './store.js';
import { unitQueue } from './db.js';
import { listenForJobs, type JobBell } from './jobBell.js';
import { RunUploader } from './upload.js';

/** The payload of a fleet job in pg-boss. */
export interface JobPayload {
  format: 'road_runner.fleet-job/1';
  job_id: string;
  unit: string;
  flow: string;
  margin: string;
  /** The §12 inputs bundle (src/fleet/jobInputs.ts). */
  bundle: JobBundle;
  /** Which chunk of the job this pg-boss job is (absent: the job is one whole run). */
  chunk?: JobChunk;
}

/** One chunk of a job split into chunks of sub-runs that resume one run. */
export interface JobChunk {
  /** From 0; chunk 0 starts the run, every later one resumes it. */
  index: number;
  /** Chunks planned at submit (the run's own end decides the last one). */
  total: number;
  /** Sub-runs a chunk runs at most. */
  size: number;
  /** pg-boss expiry of each chunk's job, from the chunk's bounded duration. */
  expire_s: number;
  /** The run the chunks resume (null for chunk 0). */
  run_id: string | null;
}

/** What running one job gave. */
export interface JobOutcome {
  state: JobState;
  exitCode: number;
  detail: string | null;
  runId: string | null;
  runDir: string | null;
  /** The run stopped at its chunk limit with sub-runs left: the next chunk resumes it. */
  chunkEnded?: boolean;
}

/** A crashed run recovered on start (its rails are back at nominal). */
export interface RecoveredRun {
  runId: string;
  runDir: string;
}

/** Everything the agent needs; the CLI wires the run pipeline in through runJob and recoverCrashed. */
export interface AgentDeps {
  pool: Pool;
  boss: PgBoss;
  host: HostRegistration;
  units: string[];
  root: string;
  pollMs: number;
  uploadMs: number;
  /** Aborted by a signal: the current run is interrupted (by the pipeline), reported, and the agent stops. */
  signal: AbortSignal;
  say: (line: string) => void;
  recoverCrashed: () => Promise<RecoveredRun | null>;
  runJob: (payload: JobPayload, onRunStarted: (runId: string, runDir: string) => void) => Promise<JobOutcome>;
}

/** Runs the agent until its signal aborts. */
export async function runAgent(d: AgentDeps): Promise<void> {
  const note = rateLimitedSay(d.say);
  // Start-up calls wait out a database that is away or busy (a deadlock between agents that
  // start together is retried); a unit served by another online host is an error at once.
  const patiently = <T>(what: string, fn: () => Promise<T>) => retryUntil(fn, {
    signal: d.signal, firstMs: 100, maxMs: 5000,
    onError: (err, n) => {
      if (err instanceof UnitTakenError) throw err;
      if (n === 1) d.say(`agent ${d.host.hostId}: ${what} failed (${(err as Error).message}); retrying`);
    },
  });
  await patiently('registration', () => registerHost(d.pool, d.host, d.units));
  d.say(`agent ${d.host.hostId}: online for unit(s) ${d.units.join(', ')} (heartbeat every ${d.host.heartbeatMs} ms, lost after ${d.host.lostAfterMs} ms)`);
  const heartbeat = startHeartbeat(d, note);
  try {
    for (const unit of d.units) await patiently('creating the queue', () => ensureQueue(d.boss, unitQueue(unit)));
    const recovered = await d.recoverCrashed();
    await patiently('settling what the last agent left', () => settleLeftovers(d, recovered));
    const bell = listenForJobs(d.pool, d.units);
    try {
      await takeJobs(d, note, bell);
    } finally {
      bell.close();
    }
  } finally {
    heartbeat.stop();
    await markOffline(d.pool, d.host.hostId).catch(() => undefined);
  }
}

/** Creates a unit's queue once (retryLimit 0: pg-boss never offers a failed job again). */
export async function ensureQueue(boss: PgBoss, name: string): Promise<void> {
  if ((await boss.getQueue(name)) === null) await boss.createQueue(name, { name, retryLimit: 0 });
}

// The heartbeat, and the look-out for other hosts whose heartbeat stopped.
function startHeartbeat(d: AgentDeps, note: (key: string, line: string) => void): { stop: () => void } {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await beat(d.pool, d.host.hostId);
      const lost = await markLostHosts(d.pool);
      for (const h of lost) d.say(`agent ${d.host.hostId}: host ${h} stopped sending heartbeats: marked lost`);
      note('heartbeat', '');
    } catch (err) {
      note('heartbeat', `agent ${d.host.hostId}: heartbeat failed (${(err as Error).message}); the current run goes on, retrying`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), d.host.heartbeatMs);
  return { stop: () => clearInterval(timer) };
}

// What a previous agent of this host left: a crash journal (recovered first, rails back at
// nominal), jobs still `running` or written off as `lost`. Each is reported as it ended and
// its unit unblocked; none is run again.
async function settleLeftovers(d: AgentDeps, recovered: RecoveredRun | null): Promise<void> {
  const jobs = await unsettledJobs(d.pool, d.host.hostId);
  for (const job of jobs) {
    const state: JobState = 'crashed';
    let detail = 'the agent stopped during this job; its run was not recovered here (no crash journal): the run had restored its rails itself';
    if (recovered && job.run_id === recovered.runId) {
      detail = `the agent died during run ${recovered.runId}; on restart its rails were restored to nominal and the run marked crashed`;
    }
    if (job.run_id !== null) {
      const runDir = path.join(d.root, 'runs', job.run_id);
      await new RunUploader(d.pool, runDir, job.run_id, { hostId: d.host.hostId, jobId: job.job_id }).sync().catch((err) => {
        d.say(`agent ${d.host.hostId}: could not upload run ${job.run_id}: ${(err as Error).message}`);
      });
    } else {
      detail = 'the agent stopped before the job started a run; nothing ran';
    }
    if (job.chunks_total > 1) detail += `; chunk ${job.chunk_index + 1} of ${job.chunks_total}: the chain stops here (run --resume on this host continues the run by hand)`;
    await finishJob(d.pool, job.job_id, { state, detail, exitCode: null, runId: job.run_id, unblock: true });
    await d.boss.fail(job.queue, job.boss_job_id, { reason: detail }).catch(() => undefined);
    d.say(`agent ${d.host.hostId}: job ${job.job_id} (unit ${job.unit}) was left ${job.state}: reported ${state}; unit ${job.unit} unblocked; not run again`);
  }
}

// One job at a time, from the units' queues in turn; between polls, a submit's notification
// for one of the units ends the wait at once (jobBell.ts).
async function takeJobs(d: AgentDeps, note: (key: string, line: string) => void, bell: JobBell): Promise<void> {
  const backoff = new Backoff(d.pollMs, 5000);
  while (!d.signal.aborted) {
    let took = false;
    try {
      for (const unit of d.units) {
        if (d.signal.aborted) break;
        if ((await unitState(d.pool, unit)) !== 'idle') continue;
        const [job] = await d.boss.fetch<JobPayload>(unitQueue(unit), { batchSize: 1 });
        if (!job) continue;
        took = true;
        await handleJob(d, unit, job);
      }
      backoff.reset();
      note('fetch', '');
      if (!took) await bell.wait(d.pollMs, d.signal);
    } catch (err) {
      note('fetch', `agent ${d.host.hostId}: cannot reach the queue (${(err as Error).message}); retrying`);
      await sleep(backoff.fail(), d.signal);
    }
  }
}

// Claims, runs, uploads and reports one job.
async function handleJob(d: AgentDeps, unit: string, job: PgBoss.Job<JobPayload>): Promise<void> {
  const queue = unitQueue(unit);
  // A job's first chunk has the job's id; a later chunk is a pg-boss job of its own (the row names it).
  const chunk = job.data?.chunk;
  if (job.data?.unit !== unit || (chunk === undefined || chunk.index === 0 ? job.data.job_id !== job.id : chunk.run_id === null)) {
    await d.boss.fail(queue, job.id, { reason: 'job payload does not match its queue' });
    return;
  }
  const jobId = job.data.job_id;
  if (!(await claimJob(d.pool, jobId, job.id, d.host.hostId))) {
    // Cancelled, or settled already: our own state wins, nothing runs.
    await d.boss.complete(queue, job.id, { skipped: true }).catch(() => undefined);
    return;
  }
  const chunkText = chunk && chunk.total > 1 ? ` (chunk ${chunk.index + 1} of ${chunk.total}${chunk.run_id ? `, resuming ${chunk.run_id}` : ''})` : '';
  d.say(`agent ${d.host.hostId}: job ${jobId} for unit ${unit}: ${job.data.flow} × ${job.data.margin}${chunkText}`);
  let uploader: RunUploader | null = null;
  const sync = new PeriodicSync(d);
  let outcome: JobOutcome;
  try {
    outcome = await d.runJob(job.data, (runId, runDir) => {
      uploader = new RunUploader(d.pool, runDir, runId, { hostId: d.host.hostId, jobId });
      sync.start(uploader);
      void setJobRun(d.pool, jobId, runId).catch(() => undefined); // the final report sets it again
    });
  } catch (err) {
    // Not a refusal nor a run outcome: a bug. Reported on the job; the run (if any) restored its rails.
    outcome = { state: 'error', exitCode: 4, detail: `internal error: ${(err as Error).message}`, runId: null, runDir: null };
  }
  await sync.stop();
  // The final upload and report wait out a database outage (the local record is complete already).
  const finalUp = uploader as RunUploader | null;
  const retrying = { signal: stopAfter(d.signal, 30_000), onError: (err: unknown, n: number) => { if (n === 1) d.say(`agent ${d.host.hostId}: upload of job ${jobId} waits for the database (${(err as Error).message})`); } };
  if (finalUp) await retryUntil(() => finalUp.sync(), retrying);
  const chunksDone = (chunk?.index ?? 0) + 1;
  if (outcome.chunkEnded && chunk && outcome.runId !== null) {
    // Rails are at nominal between two sub-runs; the next chunk resumes the same run.
    const next = await retryUntil(() => nextChunk(d, queue, job.data, chunk, outcome.runId!, chunksDone), retrying);
    if (next.kind === 'queued') {
      await retryUntil(() => d.boss.complete(queue, job.id, { chunk: chunk.index, run_id: outcome.runId, next: next.bossJobId }), retrying).catch(() => undefined);
      d.say(`agent ${d.host.hostId}: job ${jobId} chunk ${chunksDone} of ${chunk.total} done (run ${outcome.runId}); the next chunk is queued`);
      return;
    }
    outcome = next.kind === 'cancelled'
      ? { ...outcome, state: 'cancelled', detail: `cancelled after chunk ${chunksDone} of ${chunk.total}; run ${outcome.runId} stays interrupted (road_runner run --resume ${outcome.runId} on host ${d.host.hostId} continues it)` }
      : { ...outcome, state: 'interrupted', detail: `the job was ${next.state} during chunk ${chunksDone} of ${chunk.total}: the chain stops; run ${outcome.runId} stays interrupted (rails at nominal)` };
  }
  const ended = outcome;
  await retryUntil(() => finishJob(d.pool, jobId, { state: ended.state, detail: ended.detail, exitCode: ended.exitCode, runId: ended.runId, unblock: true, chunksDone }), retrying); // the run restored its rails itself
  const ok = outcome.state === 'passed' || outcome.state === 'marginal' || outcome.state === 'failed';
  await retryUntil(() => (ok ? d.boss.complete(queue, job.id, { state: outcome.state, run_id: outcome.runId }) : d.boss.fail(queue, job.id, { state: outcome.state, detail: outcome.detail })), retrying)
    .catch(() => undefined);
  d.say(`agent ${d.host.hostId}: job ${jobId} ended ${outcome.state}${outcome.runId ? ` (run ${outcome.runId})` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`);
}

// Sends the next chunk of a job (a new pg-boss job on the unit's queue) and re-queues its row, together.
function nextChunk(d: AgentDeps, queue: string, payload: JobPayload, chunk: JobChunk, runId: string, chunksDone: number): Promise<ChainStep> {
  const data: JobPayload = { ...payload, chunk: { ...chunk, index: chunksDone, run_id: runId } };
  return continueChain(d.pool, (db) => d.boss.send(queue, data, { id: randomUUID(), retryLimit: 0, expireInSeconds: chunk.expire_s, priority: 1, db }),
    { jobId: payload.job_id, runId, chunksDone, detail: `chunk ${chunksDone} of ${chunk.total} done; the next resumes run ${runId}` });
}

// Uploads the records of the running run every uploadMs, backing off while the database is away.
class PeriodicSync {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly backoff: Backoff;
  private notBefore = 0;
  constructor(private readonly d: AgentDeps) {
    this.backoff = new Backoff(d.uploadMs, 5000);
  }
  start(up: RunUploader): void {
    this.timer = setInterval(() => {
      if (this.inFlight || Date.now() < this.notBefore) return;
      this.inFlight = up.sync().then(() => this.backoff.reset(), () => {
        this.notBefore = Date.now() + this.backoff.fail();
      }).finally(() => {
        this.inFlight = null;
      });
    }, this.d.uploadMs);
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
  }
}

// A signal that aborts `ms` after `outer` aborts (so a stopping agent still finishes its upload, for a while).
function stopAfter(outer: AbortSignal, ms: number): AbortSignal {
  const c = new AbortController();
  const arm = () => setTimeout(() => c.abort(), ms).unref();
  if (outer.aborted) arm();
  else outer.addEventListener('abort', arm, { once: true });
  return c.signal;
}

// Says a failure once per outage (keyed), and that it is over when the key's next line is ''.
function rateLimitedSay(say: (line: string) => void): (key: string, line: string) => void {
  const failing = new Set<string>();
  return (key, line) => {
    if (line === '') {
      if (failing.delete(key)) say(`(${key}: the database answers again)`);
      return;
    }
    if (!failing.has(key)) say(line);
    failing.add(key);
  };
}
