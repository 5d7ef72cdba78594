// A lab host in its own network namespace (ip netns + a veth pair): its agent reaches the
// database only over the veth link. Cutting the link (the host side of the veth set down)
// makes the host `lost` within its limit, its job `lost — rail state unknown` and its unit
// blocked, exactly like a host that died; the agent itself keeps running its local run to the
// end (the run restores its rails). Restoring the link lets the agent's connections through
// again: its heartbeat brings the host back online, it uploads the run and reports the job
// with the run's own outcome, which unblocks the unit (SPEC §13: the agent came back and
// reports nominal rails). Nothing is re-run.
//
// PostgreSQL stays on 127.0.0.1 (the shared cluster of the test run): a small TCP relay in
// this process listens on the veth's host-side address and forwards to it, so the agent's
// sockets cross the veth exactly as they would to a database on another machine.
//
// Needs root and iproute2 (`ip netns`). It skips elsewhere, and fails under
// REQUIRE_SYSTEM_TOOLS=1 (CI runs as root on Debian with iproute2 installed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli, CLI, FAST, freshDatabase, HOST_FILE, initWorkspaces, localStepEnds, query, removeWorkspace, skipWithoutDatabase, startAgent, waitFor,
  writeFlow, writeMargin, type CliResult, type FleetWorkspace, type Running,
} from './harness.js';

const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const tag = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
const NS = `rr-netns-${tag}`;
const VETH_HOST = `rrh${tag}`; // at most 15 characters
const VETH_NS = `rrn${tag}`;
const OCTET = 1 + Math.floor(Math.random() * 250);
const HOST_ADDR = `10.123.${OCTET}.1`;
const NS_ADDR = `10.123.${OCTET}.2`;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

// Why network namespaces cannot be made here, or null when they can.
function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `rr-probe-${tag}`;
  const add = ip('netns', 'add', probe);
  if (add.error) return `no \`ip\` command (${add.error.message}; apt-get install iproute2)`;
  if (add.status !== 0) return `ip netns add failed: ${add.stderr.trim()}`;
  ip('netns', 'del', probe);
  return null;
}

const noNetns = netnsUnavailable();
if (noNetns !== null && !required) console.warn(`skipping netns.test.ts: ${noNetns}; REQUIRE_SYSTEM_TOOLS=1 makes this a failure`);

describe.skipIf(skipWithoutDatabase() || (noNetns !== null && !required))('fleet: a host in its own network namespace', () => {
  let db: { url: string; drop: () => Promise<void> };
  let desk: FleetWorkspace;
  let lab: FleetWorkspace;
  let other: FleetWorkspace;
  let relay: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const relayPeers = new Set<string>();
  const agents: Running[] = [];
  let env: Record<string, string>;
  let nsUrl: string;

  beforeAll(async () => {
    expect(noNetns, `REQUIRE_SYSTEM_TOOLS=1 but ${noNetns}`).toBeNull();
    db = await freshDatabase('netns');
    env = { RR_DATABASE_URL: db.url };
    const [made, init] = await Promise.all([initWorkspaces('desk', 'lab', 'other'), cli(['fleet', 'init'], env)]);
    expect(init.code, init.stderr).toBe(0);
    [desk, lab, other] = made as [FleetWorkspace, FleetWorkspace, FleetWorkspace];
    writeFlow(desk, 'long', 'steps:\n  - {id: long, adapter: slow, params: {seconds: 12}}\n');
    writeMargin(desk, 'low', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {fixed: 950}\n    freq_mhz: {fixed: 2000}\n');

    // The namespace and its link: host side HOST_ADDR, namespace side NS_ADDR.
    for (const args of [
      ['netns', 'add', NS],
      ['link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS],
      ['link', 'set', VETH_NS, 'netns', NS],
      ['addr', 'add', `${HOST_ADDR}/24`, 'dev', VETH_HOST],
      ['link', 'set', VETH_HOST, 'up'],
      ['-n', NS, 'addr', 'add', `${NS_ADDR}/24`, 'dev', VETH_NS],
      ['-n', NS, 'link', 'set', VETH_NS, 'up'],
      ['-n', NS, 'link', 'set', 'lo', 'up'],
    ]) {
      const r = ip(...args);
      expect(r.status, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }

    // The relay on the host side of the link, to the cluster on 127.0.0.1.
    const target = new URL(db.url);
    relay = net.createServer((down) => {
      relayPeers.add(String(down.remoteAddress));
      const up = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [down, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      down.pipe(up).pipe(down);
      down.on('close', () => up.destroy());
      up.on('close', () => down.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      relay!.once('error', reject);
      relay!.listen(0, HOST_ADDR, () => resolve());
    });
    const u = new URL(db.url);
    u.hostname = HOST_ADDR;
    u.port = String((relay.address() as net.AddressInfo).port);
    nsUrl = u.href;
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
    // A stopping agent may wait for its final upload: let the link carry it.
    ip('link', 'set', VETH_HOST, 'up');
    await Promise.all(agents.map((a) => Promise.race([a.done, new Promise((r) => setTimeout(r, 20_000))])));
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise((r) => (relay ? relay.close(() => r(undefined)) : r(undefined)));
    ip('link', 'del', VETH_HOST); // takes its peer with it
    ip('netns', 'del', NS);
    await db?.drop();
    for (const w of [desk, lab, other]) if (w) removeWorkspace(w);
  }, 60_000);

  // `road_runner agent` started inside the namespace.
  function startNetnsAgent(ws: FleetWorkspace, unit: string, hostId: string): Running {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...ws.env, RR_DATABASE_URL: nsUrl };
    delete childEnv.RR_ROOT;
    delete childEnv.RR_HOST_FILE;
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, CLI, 'agent', '--unit', unit, '--host-id', hostId, '--root', ws.root, '--host', HOST_FILE, ...FAST],
      { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { child, output: () => stdout + stderr, done };
  }

  const runFolders = (w: FleetWorkspace) => readdirSync(path.join(w.root, 'runs')).filter((n) => n.startsWith('rr-'));
  const job = async (id: string) => (await query(db.url, 'SELECT state, detail, run_id, exit_code FROM road_runner.jobs WHERE job_id = $1', [id]))[0]!;
  const unit = async (serial: string) => (await query(db.url, 'SELECT state, blocked_reason FROM road_runner.units WHERE serial = $1', [serial]))[0]!;
  const hostState = async (id: string) => (await query(db.url, 'SELECT state FROM road_runner.hosts WHERE host_id = $1', [id]))[0]?.state as string | undefined;

  it('cutting the link makes the host lost and the unit blocked; restoring it lets the agent report and unblock', async () => {
    const netnsAgent = startNetnsAgent(lab, 'SN700', 'host-netns');
    agents.push(netnsAgent);
    agents.push(startAgent(other, db.url, 'SN701', 'host-lookout')); // outside the namespace: its heartbeat is the look-out
    await waitFor('both hosts online', async () => (await query(db.url, "SELECT count(*)::int AS n FROM road_runner.hosts WHERE state = 'online'"))[0]!.n === 2,
      20_000, netnsAgent.output);
    // The agent's connections really come over the link, from the namespace's address.
    expect(relayPeers.size).toBeGreaterThan(0);
    expect([...relayPeers]).toEqual([NS_ADDR]);

    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'long', '--margin', 'low', '--units', 'SN700', '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobs[0].job_id as string;
    await waitFor('the job running', async () => (await job(jobId)).state === 'running', 20_000, netnsAgent.output);
    await waitFor('the rails margined', () => lab.railState('vcore_mv') === 950 && lab.railState('freq_mhz') === 2000, 20_000, netnsAgent.output);

    // Cut the host's link.
    expect(ip('link', 'set', VETH_HOST, 'down').status).toBe(0);
    const cutAt = Date.now();
    const lost = await waitFor('the job lost', async () => {
      const j = await job(jobId);
      return j.state === 'lost' ? j : null;
    }, 15_000, netnsAgent.output);
    expect(Date.now() - cutAt).toBeLessThan(4000 + 6000); // the 4 s limit plus a few look-out heartbeats
    expect(lost.detail).toBe('lost — rail state unknown');
    expect(await hostState('host-netns')).toBe('lost');
    expect((await unit('SN700')).state).toBe('blocked');
    const refused = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'long', '--margin', 'low', '--units', 'SN700'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unit SN700: its host host-netns is lost/);

    // Cut off, the agent goes on: its run ends and restores the rails by itself.
    const endedRun = () => {
      const [run] = runFolders(lab);
      const f = run ? path.join(lab.root, 'runs', run, 'summary.json') : '';
      if (!run || !existsSync(f)) return null;
      const status = JSON.parse(readFileSync(f, 'utf8')).status as string;
      return status === 'running' || status === 'planned' ? null : { run, status };
    };
    const ended = await waitFor('the local run ended with the rails at nominal',
      () => endedRun() !== null && lab.railState('vcore_mv') === 1000 && lab.railState('freq_mhz') === 2400 && endedRun(), 30_000, netnsAgent.output);
    const runId = ended.run;
    expect(ended.status).toBe('passed');
    expect(netnsAgent.child.exitCode).toBeNull();
    expect(lab.railHistory('vcore_mv').at(-1)).toBe(1000);
    // Still cut off: nothing reached the database, the job stays lost and the unit blocked.
    expect((await job(jobId)).state).toBe('lost');
    expect((await unit('SN700')).state).toBe('blocked');
    expect(await hostState('host-netns')).toBe('lost');

    // Restore the link: the same agent process reconnects, reports and unblocks.
    expect(ip('link', 'set', VETH_HOST, 'up').status).toBe(0);
    const settled = await waitFor('the job reported', async () => {
      const j = await job(jobId);
      return j.state !== 'lost' ? j : null;
    }, 30_000, netnsAgent.output);
    expect(settled.state, netnsAgent.output()).toBe('passed'); // the run's own outcome
    expect(settled.run_id).toBe(runId);
    expect(settled.exit_code).toBe(0);
    // The heartbeat comes back on its own connection, which may still be waiting out TCP's
    // retransmission back-off (seconds to tens of seconds after a long cut): wait for it.
    await waitFor('the host online again', async () => (await hostState('host-netns')) === 'online', 60_000, netnsAgent.output);
    expect(await unit('SN700')).toEqual({ state: 'idle', blocked_reason: null });
    // Every local step uploaded once.
    const local = localStepEnds(path.join(lab.root, 'runs', runId));
    const rows = await query(db.url, 'SELECT subrun_id, step_index FROM road_runner.steps WHERE run_id = $1', [runId]);
    expect(new Set(rows.map((r) => `${r.subrun_id}#${r.step_index}`))).toEqual(new Set(local.keys()));
    expect(rows.length).toBe(local.size);
    const [run] = await query(db.url, 'SELECT status, host_id FROM road_runner.runs WHERE run_id = $1', [runId]);
    expect(run).toEqual({ status: 'passed', host_id: 'host-netns' });
    // The agent said nothing about the outage: its queries did not fail, they stalled on TCP
    // retransmissions and went through once the link was back (docs/decisions.md).
    // Not run again, and the unit takes jobs again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(runFolders(lab)).toEqual([runId]);
    expect(netnsAgent.child.exitCode).toBeNull();
  }, 180_000);
});
