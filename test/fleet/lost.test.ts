// kill -9 of an agent mid-job: another agent's look-out writes the host off as lost within the
// heartbeat limit, the job becomes `lost — rail state unknown`, the unit is blocked (submits to
// it are refused). Restarting that agent recovers the rails, reports the crashed run, unblocks
// the unit, and the job is not run again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli, freshDatabase, initWorkspaces, query, removeWorkspace, skipWithoutDatabase, startAgent, waitFor, writeFlow, writeMargin,
  type FleetWorkspace, type Running,
} from './harness.js';

describe.skipIf(skipWithoutDatabase())('fleet: a lost host', () => {
  let db: { url: string; drop: () => Promise<void> };
  let desk: FleetWorkspace;
  let lab: FleetWorkspace;
  let other: FleetWorkspace;
  const agents: Running[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase('lost');
    env = { RR_DATABASE_URL: db.url };
    const [made, init] = await Promise.all([initWorkspaces('desk', 'lab', 'other'), cli(['fleet', 'init'], env)]);
    expect(init.code, init.stderr).toBe(0);
    [desk, lab, other] = made as [FleetWorkspace, FleetWorkspace, FleetWorkspace];
    writeFlow(desk, 'long', 'steps:\n  - {id: long, adapter: slow, params: {seconds: 25}}\n');
    writeMargin(desk, 'low', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {fixed: 950}\n    freq_mhz: {fixed: 2000}\n');
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await db?.drop();
    for (const w of [desk, lab, other]) if (w) removeWorkspace(w);
  });

  const runFolders = (w: FleetWorkspace) => readdirSync(path.join(w.root, 'runs')).filter((n) => n.startsWith('rr-'));
  const job = async (id: string) => (await query(db.url, 'SELECT state, detail, run_id FROM road_runner.jobs WHERE job_id = $1', [id]))[0]!;
  const unit = async (serial: string) => (await query(db.url, 'SELECT state FROM road_runner.units WHERE serial = $1', [serial]))[0]!.state as string;

  it('marks the job lost and the unit blocked; the restarted agent recovers, reports and unblocks; nothing re-runs', async () => {
    const victim = startAgent(lab, db.url, 'SN200', 'host-lab');
    agents.push(victim); // stopped in afterAll if the test fails before its kill -9
    agents.push(startAgent(other, db.url, 'SN201', 'host-other')); // its heartbeat is the look-out
    await waitFor('both hosts online', async () => (await query(db.url, "SELECT count(*)::int AS n FROM road_runner.hosts WHERE state = 'online'"))[0]!.n === 2);
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'long', '--margin', 'low', '--units', 'SN200', '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobs[0].job_id as string;
    const stepStarted = (w: FleetWorkspace) => {
      const [run] = runFolders(w);
      if (!run) return false;
      const subruns = path.join(w.root, 'runs', run, 'subruns');
      const [first] = existsSync(subruns) ? readdirSync(subruns) : [];
      const log = first ? path.join(subruns, first, 'steps.ldjson') : '';
      return first !== undefined && existsSync(log) && readFileSync(log, 'utf8').includes('"step_start"');
    };
    await waitFor('the slow step running', () => lab.railState('freq_mhz') === 2000 && stepStarted(lab), 20_000, victim.output);
    await waitFor('the job running', async () => (await job(jobId)).state === 'running');

    victim.child.kill('SIGKILL');
    await victim.done;
    const killedAt = Date.now();
    const lost = await waitFor('the job lost', async () => {
      const j = await job(jobId);
      return j.state === 'lost' ? j : null;
    }, 15_000);
    // Within the limit (4 s) plus a couple of heartbeats of the look-out, with room for a loaded host.
    expect(Date.now() - killedAt).toBeLessThan(4000 + 6000);
    expect(lost.detail).toBe('lost — rail state unknown');
    expect(await unit('SN200')).toBe('blocked');
    expect(lab.railState('vcore_mv')).toBe(950); // still margined: nobody restored it
    const refused = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'long', '--margin', 'low', '--units', 'SN200'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unit SN200: its host host-lab is lost/);

    const back = startAgent(lab, db.url, 'SN200', 'host-lab');
    agents.push(back);
    const settled = await waitFor('the job reported crashed', async () => {
      const j = await job(jobId);
      return j.state === 'crashed' ? j : null;
    }, 30_000, back.output);
    expect(settled.detail).toMatch(/rails were restored to nominal/);
    expect(lab.railState('vcore_mv')).toBe(1000);
    expect(lab.railState('freq_mhz')).toBe(2400);
    expect(await unit('SN200')).toBe('idle');
    const runId = settled.run_id as string;
    const summary = JSON.parse(readFileSync(path.join(lab.root, 'runs', runId, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('crashed');
    const [run] = await query(db.url, 'SELECT status FROM road_runner.runs WHERE run_id = $1', [runId]);
    expect(run!.status).toBe('crashed');
    // Not run again: one run folder, and pg-boss holds the job as failed (retryLimit 0).
    await new Promise((r) => setTimeout(r, 1500));
    expect(runFolders(lab)).toEqual([runId]);
    const [boss] = await query(db.url, 'SELECT state, retry_limit FROM pgboss.job WHERE id = $1', [jobId]);
    expect([boss!.state, boss!.retry_limit]).toEqual(['failed', 0]);
    expect((await job(jobId)).state).toBe('crashed');
  }, 90_000);

  it('SIGTERM: the agent interrupts its run, restores the rails, reports it and stops (143)', async () => {
    const lookout = agents[1]!; // host-other, serving SN201
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'long', '--margin', 'low', '--units', 'SN201', '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobs[0].job_id as string;
    await waitFor('the slow step running', () => other.railState('vcore_mv') === 950, 20_000, lookout.output);
    lookout.child.kill('SIGTERM');
    const end = await lookout.done;
    expect(end.code, lookout.output()).toBe(143);
    expect(other.railState('vcore_mv')).toBe(1000);
    const j = await job(jobId);
    expect(j.state).toBe('interrupted');
    expect(await unit('SN201')).toBe('idle');
    const [host] = await query(db.url, "SELECT state FROM road_runner.hosts WHERE host_id = 'host-other'");
    expect(host!.state).toBe('offline');
    const [run] = await query(db.url, 'SELECT status FROM road_runner.runs WHERE run_id = $1', [j.run_id]);
    expect(run!.status).toBe('interrupted');
  }, 60_000);
});
