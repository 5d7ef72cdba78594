// PostgreSQL stopped and started again in the middle of a run: the run goes on (the local
// records are authoritative), the agent retries with back-off, and once the database is back
// the uploads complete: every local step exactly once, nothing missing. The test makes its own
// cluster (test/fixtures/pg/start-cluster.sh) so that stopping it disturbs no other test file.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli, initWorkspaces, localStepEnds, query, REPO, removeWorkspace, skipWithoutDatabase, startAgent, waitFor, writeFlow, writeMargin,
  type FleetWorkspace, type Running,
} from './harness.js';

const SCRIPTS = path.join(REPO, 'test/fixtures/pg');

describe.skipIf(skipWithoutDatabase())('fleet: a database outage mid-run', () => {
  let clusterDir: string;
  let url: string;
  let desk: FleetWorkspace;
  let lab: FleetWorkspace;
  let agent: Running | undefined;

  beforeAll(async () => {
    // Made by the script itself: as root the server runs as `postgres`, which must reach the folder.
    clusterDir = path.join(tmpdir(), `rr-outage-${process.pid}-${Math.floor(Math.random() * 1e9)}`);
    const port = String(56000 + (process.pid % 2000));
    const out = execFileSync(path.join(SCRIPTS, 'start-cluster.sh'), [clusterDir, port], { encoding: 'utf8' });
    url = /RR_TEST_DATABASE_URL='([^']+)'/.exec(out)![1]!;
    const [made, init] = await Promise.all([initWorkspaces('desk', 'lab'), cli(['fleet', 'init'], { RR_DATABASE_URL: url })]);
    expect(init.code, init.stderr).toBe(0);
    [desk, lab] = made as [FleetWorkspace, FleetWorkspace];
    writeFlow(desk, 'steady', 'steps:\n  - {id: nap, adapter: slow, params: {seconds: 0.8}}\n');
    writeMargin(desk, 'ten', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {values: [900, 910, 920, 930, 940, 950, 960, 970, 980, 990]}\n    freq_mhz: {fixed: 2000}\n');
  }, 60_000);

  afterAll(async () => {
    agent?.child.kill('SIGTERM');
    await agent?.done;
    try {
      execFileSync(path.join(SCRIPTS, 'stop-cluster.sh'), [clusterDir]);
    } finally {
      rmSync(clusterDir, { recursive: true, force: true });
      for (const w of [desk, lab]) if (w) removeWorkspace(w);
    }
  });

  it('finishes the run, then uploads everything once', async () => {
    agent = startAgent(lab, url, 'SN300', 'host-outage');
    await waitFor('the host online', async () => (await query(url, "SELECT count(*)::int AS n FROM road_runner.hosts WHERE state = 'online'"))[0]!.n === 1);
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'steady', '--margin', 'ten', '--units', 'SN300', '--json'], { RR_DATABASE_URL: url });
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobs[0].job_id as string;
    await waitFor('a first step uploaded', async () => (await query(url, 'SELECT count(*)::int AS n FROM road_runner.steps'))[0]!.n >= 1, 30_000, agent.output);

    execFileSync(path.join(SCRIPTS, 'cluster-ctl.sh'), [clusterDir, 'stop']);
    const runs = path.join(lab.root, 'runs');
    const runId = readdirSync(runs).find((n) => n.startsWith('rr-'))!;
    const before = localStepEnds(path.join(runs, runId)).size;
    expect(before).toBeLessThan(9); // the outage starts with the run well under way, not at its end
    // The run goes on without the database.
    await waitFor('more steps recorded locally', () => localStepEnds(path.join(runs, runId)).size >= before + 1, 20_000, agent.output);
    execFileSync(path.join(SCRIPTS, 'cluster-ctl.sh'), [clusterDir, 'start']);

    const job = await waitFor('the job reported', async () => {
      const [j] = await query(url, 'SELECT state, run_id FROM road_runner.jobs WHERE job_id = $1', [jobId]);
      return j && j.state !== 'running' && j.state !== 'queued' ? j : null;
    }, 40_000, agent.output);
    expect(job.state, agent.output()).toBe('passed');
    expect(job.run_id).toBe(runId);
    const local = localStepEnds(path.join(runs, runId));
    expect(local.size).toBe(10);
    const rows = await query(url, 'SELECT subrun_id, step_index, status FROM road_runner.steps WHERE run_id = $1 ORDER BY subrun_id', [runId]);
    expect(rows.length).toBe(10);
    expect(new Set(rows.map((r) => `${r.subrun_id}#${r.step_index}`))).toEqual(new Set(local.keys()));
    const subruns = await query(url, 'SELECT status FROM road_runner.subruns WHERE run_id = $1', [runId]);
    expect(subruns.map((s) => s.status)).toEqual(Array(10).fill('passed'));
    const [run] = await query(url, 'SELECT summary FROM road_runner.runs WHERE run_id = $1', [runId]);
    expect(run!.summary).toEqual(JSON.parse(readFileSync(path.join(runs, runId, 'summary.json'), 'utf8')));
    expect(agent.output()).toMatch(/waits for the database|heartbeat failed|cannot reach the queue/);
  }, 90_000);
});
