// Jobs bounded in duration (SPEC §13): `fleet submit --chunk N` splits a job into chunks of at
// most N sub-runs; each chunk is its own pg-boss job on the unit's queue (expiring after the
// chunk's bound, not a day) and resumes the same run. The chunked run's records equal an
// unchunked run's, the upload is complete without duplicates, a kill -9 mid-chunk stops the
// chain (lost, then crashed; never re-dispatched) and keeps the trace of having been lost, and
// a cancel stops the chain after the running chunk.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli, freshDatabase, HOST_FILE, initWorkspaces, localStepEnds, query, removeWorkspace, skipWithoutDatabase, startAgent, waitFor, writeFlow, writeMargin,
  type FleetWorkspace, type Running,
} from './harness.js';
import { CHUNK_ALLOWANCE_S, SUBRUN_ALLOWANCE_S } from '../../src/fleet/chunks.js';

const live = (a: Running) => a.child.exitCode === null && a.child.signalCode === null;
// Above the harness's 4 s, so that a starved agent on a busy machine is not written off mid-chunk;
// low enough that the kill -9 below is noticed in a few seconds.
const LOST_AFTER = ['--lost-after-ms', '10000'];

describe.skipIf(skipWithoutDatabase())('fleet: jobs in chunks that resume one run', () => {
  let db: { url: string; drop: () => Promise<void> };
  let desk: FleetWorkspace;
  let lab: FleetWorkspace;
  let ref: FleetWorkspace;
  const agents: Running[] = [];
  let env: Record<string, string>;
  let labAgent: Running;

  beforeAll(async () => {
    db = await freshDatabase('chunks');
    env = { RR_DATABASE_URL: db.url };
    const [made, init] = await Promise.all([initWorkspaces('desk', 'lab', 'ref'), cli(['fleet', 'init'], env)]);
    expect(init.code, init.stderr).toBe(0);
    [desk, lab, ref] = made as [FleetWorkspace, FleetWorkspace, FleetWorkspace];
    labAgent = startAgent(lab, db.url, 'SN300', 'host-lab', LOST_AFTER);
    agents.push(labAgent, startAgent(ref, db.url, 'SN301', 'host-ref', LOST_AFTER));
    await waitFor('both hosts online', async () => (await query(db.url, "SELECT count(*)::int AS n FROM road_runner.hosts WHERE state = 'online'"))[0]!.n === 2,
      20_000, () => agents.map((a) => a.output()).join('\n'));
    writeFlow(desk, 'quick', 'steps:\n  - {id: smoke, adapter: cpu-smoke, params: {iterations: 100}}\n');
    writeMargin(desk, 'six', 'global_seed: 5\ntargets:\n  default:\n    vcore_mv: {values: [850, 900, 950]}\n    freq_mhz: {values: [2000, 2400]}\n');
    writeFlow(desk, 'slow', 'steps:\n  - {id: nap, adapter: slow, params: {seconds: 3}}\n');
    writeMargin(desk, 'three', 'global_seed: 5\ntargets:\n  default:\n    vcore_mv: {values: [900, 925, 950]}\n    freq_mhz: {fixed: 2000}\n');
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) if (live(a)) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await db?.drop();
    for (const w of [desk, lab, ref]) if (w) removeWorkspace(w);
  });

  const jobRow = async (id: string) => (await query(db.url, `SELECT state, detail, run_id, chunk_index, chunks_done, chunks_total, chunk_size, chunk_expire_s,
    boss_job_id::text, to_json(was_lost_at) #>> '{}' AS was_lost_at FROM road_runner.jobs WHERE job_id = $1`, [id]))[0]!;
  const ended = (s: string) => !['queued', 'running'].includes(s);
  const submit = async (flow: string, margin: string, unit: string, extra: string[] = []) => {
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', flow, '--margin', margin, '--units', unit, '--json', ...extra], env);
    expect(sub.code, sub.stderr).toBe(0);
    const out = JSON.parse(sub.stdout);
    return { jobId: out.jobs[0].job_id as string, chunks: out.chunks as { size: number; total: number; expire_s: number } };
  };
  // A run's sub-runs as recorded, keyed by the sub-run's suffix (`s00`): what must not depend on chunks.
  const subrunRecords = (runDir: string, runId: string) => {
    const out = new Map<string, unknown>();
    for (const d of readdirSync(path.join(runDir, 'subruns')).sort()) {
      const s = JSON.parse(readFileSync(path.join(runDir, 'subruns', d, 'summary.json'), 'utf8'));
      out.set(s.id.slice(runId.length), {
        index: s.index, status: s.status, seed: s.seed, point: s.point, margins: s.margins, counts: s.counts,
        steps: s.steps.map((x: Record<string, unknown>) => [x.index, x.step_id, x.adapter, x.status, x.exit_code, x.log_name]),
      });
    }
    return out;
  };

  it('runs a job in 3 chunks of one run whose records equal an unchunked run\'s, uploaded whole and once', async () => {
    const [chunked, whole] = await Promise.all([submit('quick', 'six', 'SN300', ['--chunk', '2']), submit('quick', 'six', 'SN301')]);
    expect(chunked.chunks.total).toBe(3);
    expect(whole.chunks.total).toBe(1);
    // The expiry is the chunk's bound (2 sub-runs × (2 step timeouts + allowance) + chunk allowance), not 23 h.
    const [a, b] = await Promise.all([chunked, whole].map((j) => waitFor('the job ended', async () => {
      const r = await jobRow(j.jobId);
      return ended(r.state) ? r : null;
    }, 150_000, () => agents.map((x) => x.output()).join('\n'))));
    expect(a!.state, labAgent.output()).toBe('passed');
    expect(b!.state).toBe('passed');
    expect([a!.chunks_total, a!.chunks_done, a!.chunk_size]).toEqual([3, 3, 2]);
    const stepTimeouts = JSON.parse(readFileSync(path.join(lab.root, 'runs', a!.run_id, 'plan.json'), 'utf8')).subruns[0].steps.reduce((s: number, x: { timeout_s: number }) => s + x.timeout_s, 0);
    expect(a!.chunk_expire_s).toBe(2 * (stepTimeouts + SUBRUN_ALLOWANCE_S) + CHUNK_ALLOWANCE_S);

    // Three pg-boss jobs on the unit's queue, each with that expiry, all completed; the row names the last.
    const bossJobs = await query(db.url, "SELECT id::text, state, extract(epoch FROM expire_in)::int AS expire_s, priority, data -> 'chunk' AS chunk FROM pgboss.job WHERE name = 'rr-unit-SN300' ORDER BY created_on");
    expect(bossJobs.map((j) => j.state)).toEqual(['completed', 'completed', 'completed']);
    expect(bossJobs.map((j) => j.expire_s)).toEqual([a!.chunk_expire_s, a!.chunk_expire_s, a!.chunk_expire_s]);
    expect(bossJobs.map((j) => j.chunk.index)).toEqual([0, 1, 2]);
    expect(bossJobs[0]!.id).toBe(chunked.jobId);
    expect(bossJobs[2]!.id).toBe(a!.boss_job_id);
    expect(bossJobs.slice(1).map((j) => j.chunk.run_id)).toEqual([a!.run_id, a!.run_id]);

    // One run folder on the lab host: the chunks resumed it (same id, same folder); ended passed.
    expect(readdirSync(path.join(lab.root, 'runs')).filter((n) => n.startsWith('rr-'))).toEqual([a!.run_id]);
    const runDir = path.join(lab.root, 'runs', a!.run_id);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect([summary.status, summary.subruns.length]).toEqual(['passed', 6]);
    expect(existsSync(path.join(runDir, 'sysinfo.resumed.json'))).toBe(true);
    // Record for record as the unchunked run on the other host (sub-run ids, seeds, margins, steps).
    const refDir = path.join(ref.root, 'runs', b!.run_id);
    const mine = subrunRecords(runDir, a!.run_id);
    expect([...mine.keys()]).toEqual(['-s00', '-s01', '-s02', '-s03', '-s04', '-s05']);
    expect(mine).toEqual(subrunRecords(refDir, b!.run_id));
    // Each step ran once (one step_end per step), and the database holds exactly the local records.
    const local = localStepEnds(runDir);
    expect(local.size).toBe(6);
    const lines = readdirSync(path.join(runDir, 'subruns')).flatMap((d) => readFileSync(path.join(runDir, 'subruns', d, 'steps.ldjson'), 'utf8').split('\n').filter((l) => l.includes('"step_end"')));
    expect(lines.length).toBe(6);
    const rows = await query(db.url, 'SELECT subrun_id, step_index, event FROM road_runner.steps WHERE run_id = $1', [a!.run_id]);
    expect(rows.length).toBe(6);
    for (const r of rows) expect(r.event).toEqual(local.get(`${r.subrun_id}#${r.step_index}`));
    const subs = await query(db.url, 'SELECT subrun_id, status FROM road_runner.subruns WHERE run_id = $1 ORDER BY index', [a!.run_id]);
    expect(subs.map((s) => s.status)).toEqual(Array(6).fill('passed'));
    const [run] = await query(db.url, 'SELECT status, summary, job_id::text FROM road_runner.runs WHERE run_id = $1', [a!.run_id]);
    expect([run!.status, run!.job_id]).toEqual(['passed', chunked.jobId]);
    expect(run!.summary).toEqual(summary);
    // The rails are back at nominal.
    expect(lab.railState('vcore_mv')).toBe(ref.railState('vcore_mv'));

    const status = await cli(['fleet', 'status'], env);
    expect(status.stdout).toMatch(new RegExp(`${chunked.jobId}\\s+SN300\\s+passed .*chunk 3/3 \\(3 done\\)`));
    const results = await cli(['fleet', 'results'], env);
    expect(results.stdout).toContain(`${a!.run_id}`);
    expect(results.stdout).toMatch(/3\/3 chunks/);
  }, 180_000);

  it('cancel stops the chain after the running chunk; the run stays interrupted and resumable', async () => {
    const { jobId } = await submit('slow', 'three', 'SN301', ['--chunk', '1']);
    await waitFor('the first chunk running', async () => (await jobRow(jobId)).state === 'running', 20_000);
    const c = await cli(['fleet', 'cancel', jobId], env);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('its chain stops when that chunk ends');
    const row = await waitFor('the job cancelled', async () => {
      const r = await jobRow(jobId);
      return ended(r.state) ? r : null;
    }, 60_000);
    expect(row.state).toBe('cancelled');
    expect([row.chunks_done, row.chunks_total]).toEqual([1, 3]);
    expect(row.detail).toContain('cancelled after chunk 1 of 3');
    const summary = JSON.parse(readFileSync(path.join(ref.root, 'runs', row.run_id, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.reason).toMatch(/^chunk ended after 1 sub-run\(s\); 2 left/);
    const done = summary.subruns.filter((s: { status: string }) => s.status === 'passed').length;
    expect(done).toBe(1);
    // No further chunk: the queue holds nothing waiting.
    const waiting = await query(db.url, "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'rr-unit-SN301' AND state IN ('created', 'retry', 'active')");
    expect(waiting[0]!.n).toBe(0);
    // A person finishes the run by hand on its host, as docs/fleet.md says: the same run, the two sub-runs left.
    const resumed = await cli(['run', '--resume', row.run_id, '--yes', '--root', ref.root, '--host', HOST_FILE], ref.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = JSON.parse(readFileSync(path.join(ref.root, 'runs', row.run_id, 'summary.json'), 'utf8'));
    expect([after.status, after.subruns.map((s: { status: string }) => s.status)]).toEqual(['passed', ['passed', 'passed', 'passed']]);
  }, 180_000);

  it('a kill -9 mid-chunk leaves the chain stopped (lost); the restarted agent reports it crashed, keeps the lost trace, runs nothing more', async () => {
    const { jobId } = await submit('slow', 'three', 'SN300', ['--chunk', '1']);
    const second = await waitFor('the second chunk running', async () => {
      const r = await jobRow(jobId);
      return r.state === 'running' && r.chunk_index === 1 ? r : null;
    }, 60_000, labAgent.output);
    const runId = second.run_id as string;
    // Mid-chunk: the second sub-run's step has started (its rails are margined).
    const log = path.join(lab.root, 'runs', runId, 'subruns', `${runId}-s01`, 'steps.ldjson');
    await waitFor('the second sub-run\'s step running', () => existsSync(log) && readFileSync(log, 'utf8').includes('"step_start"'), 20_000, labAgent.output);
    labAgent.child.kill('SIGKILL');
    await labAgent.done;
    const lost = await waitFor('the job lost', async () => {
      const r = await jobRow(jobId);
      return r.state === 'lost' ? r : null;
    }, 60_000);
    expect([lost.chunks_done, lost.chunk_index]).toEqual([1, 1]);
    expect(lost.was_lost_at).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1500));
    const queued = await query(db.url, "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'rr-unit-SN300' AND state IN ('created', 'retry')");
    expect(queued[0]!.n).toBe(0); // nothing re-dispatched
    expect((await jobRow(jobId)).state).toBe('lost');

    // The agent comes back: it recovers the run's rails, reports the job crashed, and the chain stays stopped.
    labAgent = startAgent(lab, db.url, 'SN300', 'host-lab', LOST_AFTER);
    agents.push(labAgent);
    const settled = await waitFor('the job reported', async () => {
      const r = await jobRow(jobId);
      return r.state === 'crashed' ? r : null;
    }, 60_000, labAgent.output);
    expect(settled.was_lost_at).toBe(lost.was_lost_at); // the trace of having been lost stays
    expect(settled.detail).toContain('chunk 2 of 3: the chain stops here');
    await waitFor('the unit idle', async () => (await query(db.url, "SELECT state FROM road_runner.units WHERE serial = 'SN300'"))[0]!.state === 'idle');
    await new Promise((r) => setTimeout(r, 1000));
    const summary = JSON.parse(readFileSync(path.join(lab.root, 'runs', runId, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('crashed');
    expect(summary.subruns.map((s: { status: string }) => s.status)).toEqual(['passed', 'crashed', 'planned']); // the third never ran
    expect(lab.railState('vcore_mv')).toBe(ref.railState('vcore_mv'));

    // fleet status, results and report show that it was lost.
    const status = await cli(['fleet', 'status'], env);
    expect(status.stdout).toMatch(new RegExp(`${jobId}\\s+SN300\\s+crashed .*\\[was lost at `));
    const statusJson = JSON.parse((await cli(['fleet', 'status', '--json'], env)).stdout);
    expect(statusJson.jobs.find((j: { job_id: string }) => j.job_id === jobId).was_lost_at).toBe(lost.was_lost_at);
    const results = await cli(['fleet', 'results'], env);
    expect(results.stdout).toMatch(new RegExp(`${runId}.*its host was lost at .*job crashed`));
    const rep = await cli(['fleet', 'report', '--out', path.join(desk.root, 'rep')], env);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(path.join(desk.root, 'rep', 'fleet-report.md'), 'utf8')).toMatch(new RegExp(`job ${jobId} crashed, was lost at `));
  }, 180_000);
});
