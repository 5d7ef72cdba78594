// Fleet rows (SPEC §13) on a real PostgreSQL: the database RR_TEST_DATABASE_URL names (a fresh
// database is made in it), else a throw-away cluster started with test/fixtures/pg/start-cluster.sh;
// with neither, one "skipped: no PostgreSQL" row.
//   dispatch: 20 lightweight agents (bench/lib/fleetWorker.mjs: the agent's queue-taking path,
//             no run) and 2,000 jobs (quick: 200) sent with the real submitJobs in rounds of one
//             job per unit, each round once the last was taken: latency = jobs.started_at (claimJob)
//             − jobs.submitted_at (the row written just before pg-boss send), database clock.
//   ingest:   RunUploader.sync (src/fleet/upload.ts) of a synthesized run folder (current layout)
//             of 2,500 sub-runs × 4 steps (quick: 500 × 4) into an initialised database.
//   report:   the real `fleet report` CLI over 200 units × 1,024 boundary points synthesized in
//             the database (quick: 50 × 1,024): wall time and peak RSS.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { measureCli } from '../lib/cli.mjs';
import { makeRow } from '../lib/rows.mjs';
import { CLI, makeTempDir, ROOT } from '../lib/workspaces.mjs';

const WHAT = 'fleet on PostgreSQL';
const WORKER = join(ROOT, 'bench/lib/fleetWorker.mjs');
const POLL_MS = 1000; // the agent's default: a job is taken when its submit rings the bell (src/fleet/jobBell.ts), not at the next poll

/** Rows for the fleet. */
export async function benchFleet({ quick, log }) {
  const db = await openDatabase(log);
  if (db === null) {
    return [{ id: 'fleet', what: WHAT, value: null, unit: null, baseline: null, baseline_what: null, ratio: null, target: null, status: 'SKIP', note: 'skipped: no PostgreSQL (set RR_TEST_DATABASE_URL or apt-get install postgresql)', samples: null }];
  }
  const tmp = makeTempDir('fleet');
  try {
    const env = { ...process.env, RR_DATABASE_URL: db.url };
    const init = spawnSync(process.execPath, [CLI, 'fleet', 'init'], { env, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`fleet init failed: ${init.stderr}`);
    return [
      ...(await dispatchRows(db.url, quick ? 200 : 2000, 20, log)),
      ...(await ingestRows(db.url, tmp, quick ? 500 : 2500, 4, log)),
      ...(await reportRows(db.url, env, tmp, quick ? 50 : 200, 1024, log)),
    ];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await db.close();
  }
}

// A fresh database in the given cluster, or in a cluster started here; null when neither works.
async function openDatabase(log) {
  let admin = process.env.RR_TEST_DATABASE_URL;
  let stop = async () => undefined;
  if (!admin) {
    const dir = join(makeTempDir('pg'), 'cluster');
    const r = spawnSync(join(ROOT, 'test/fixtures/pg/start-cluster.sh'), [dir, '55491'], { encoding: 'utf8' });
    const m = /RR_TEST_DATABASE_URL='([^']+)'/.exec(r.stdout ?? '');
    if (r.status !== 0 || !m) {
      log(`fleet: no PostgreSQL (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`);
      rmSync(join(dir, '..'), { recursive: true, force: true });
      return null;
    }
    admin = m[1];
    stop = async () => {
      spawnSync(join(ROOT, 'test/fixtures/pg/stop-cluster.sh'), [dir], { stdio: 'ignore' });
      rmSync(join(dir, '..'), { recursive: true, force: true });
    };
    log('fleet: started a throw-away PostgreSQL cluster');
  }
  const name = `rr_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    close: async () => {
      await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
      await stop();
    },
  };
}

async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function dispatchRows(url, jobs, agents, log) {
  const { resolveDatabase } = await import('../../dist/fleet/connection.js');
  const { openPool, startBoss } = await import('../../dist/fleet/db.js');
  const { submitJobs } = await import('../../dist/fleet/fleetOps.js');
  const units = Array.from({ length: agents }, (_, i) => `SNB${String(i).padStart(3, '0')}`);
  const workers = units.map((unit, i) => startWorker(url, `bench-host-${i}`, unit));
  try {
    await Promise.all(workers.map((w) => w.ready));
    log(`fleet dispatch: ${agents} agents online (poll ${POLL_MS} ms); sending ${jobs} jobs`);
    const target = resolveDatabase({ env: { RR_DATABASE_URL: url } });
    const pool = await openPool(target, () => undefined, 4);
    const boss = await startBoss(target, () => undefined, false);
    // A payload of the size a real job carries (an inputs bundle of a few KiB); the workers do not open it.
    const data = randomBytes(3 * 1024).toString('base64');
    const bundle = { format: 'road_runner.job-bundle/1', encoding: 'base64', sha256: '0'.repeat(64), payload_sha256: '0'.repeat(64), bytes: 3 * 1024, data };
    const started = performance.now();
    try {
      for (let sent = 0; sent < jobs; sent += agents) {
        const round = await submitJobs(pool, boss, { units: units.slice(0, Math.min(agents, jobs - sent)), flow: 'bench', margin: 'bench', bundle, by: 'bench' });
        const ids = round.map((j) => j.job_id);
        const until = Date.now() + 60_000;
        for (;;) {
          const r = await pool.query("SELECT count(*)::int AS n FROM road_runner.jobs WHERE job_id = ANY($1::uuid[]) AND state <> 'passed'", [ids]);
          if (r.rows[0].n === 0) break;
          if (Date.now() > until) throw new Error(`jobs not taken within 60 s (${r.rows[0].n} left); worker output:\n${workers.map((w) => w.output()).join('\n').slice(-2000)}`);
          await new Promise((res) => setTimeout(res, 10));
        }
      }
    } finally {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await pool.end();
    }
    const wallS = (performance.now() - started) / 1000;
    const lat = await withClient(url, (c) => c.query("SELECT extract(epoch FROM started_at - submitted_at) * 1000 AS ms FROM road_runner.jobs WHERE state = 'passed'"));
    const ms = lat.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    if (ms.length !== jobs) throw new Error(`${ms.length} jobs passed, expected ${jobs}`);
    const note = `${jobs} jobs, ${agents} agents polling every ${POLL_MS} ms, ${wallS.toFixed(1)} s; submit row → claim, database clock`;
    return [
      makeRow({ id: 'fleet_dispatch.p50', what: `dispatch latency p50, ${agents} agents, ${jobs.toLocaleString('en-US')} short jobs`, value: percentile(ms, 50), unit: 'ms', target: { on: 'value', max: 100, strict: true }, note }),
      makeRow({ id: 'fleet_dispatch.p99', what: `dispatch latency p99, ${agents} agents, ${jobs.toLocaleString('en-US')} short jobs`, value: percentile(ms, 99), unit: 'ms', target: { on: 'value', max: 1000, strict: true }, note: `max ${ms[ms.length - 1].toFixed(0)} ms` }),
    ];
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
  }
}

function startWorker(url, hostId, unit) {
  const child = spawn(process.execPath, [WORKER, hostId, unit, String(POLL_MS)], { env: { ...process.env, RR_DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stderr.setEncoding('utf8').on('data', (s) => (text = (text + s).slice(-4000)));
  const done = new Promise((res) => child.on('close', res));
  const ready = new Promise((res, rej) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') res();
    });
    child.on('close', (code) => rej(new Error(`worker ${hostId} exited ${code} before it was ready: ${text}`)));
  });
  return { child, ready, done, output: () => text };
}

// A run folder in the current layout (subruns/<id>/{summary.json, steps.ldjson}).
export function writeRunFolder(dir, runId, subruns, stepsPer) {
  mkdirSync(dir, { recursive: true });
  let clock = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 1; i <= subruns; i++) {
    const id = `${runId}-s${String(i).padStart(4, '0')}`;
    const sub = join(dir, 'subruns', id);
    mkdirSync(sub, { recursive: true });
    const margins = { vcore_mv: 700 + (i % 100) * 4, freq_mhz: 1000 + Math.floor(i / 100) * 100 };
    let events = '';
    for (let j = 1; j <= stepsPer; j++) {
      const ts = new Date((clock += 50)).toISOString();
      const end = new Date((clock += 200)).toISOString();
      const params = { iterations: 1000 * j };
      events += `${JSON.stringify({ ts, event: 'step_start', run_id: runId, subrun_id: id, index: j, step_id: `diag${j}`, adapter: 'cpu-smoke', argv: ['diags/cpu-smoke', '--iterations', String(params.iterations)], params, margins, seed: i * 31 + j, log_name: `${j}.log` })}\n`;
      events += `${JSON.stringify({ ts: end, event: 'step_end', run_id: runId, subrun_id: id, index: j, step_id: `diag${j}`, adapter: 'cpu-smoke', status: 'passed', exit_code: 0, signal: null, started_at: ts, ended_at: end, duration_ms: 200, metrics: { gflops: 10 + (i % 97) / 10, errors: 0 }, error: null })}\n`;
    }
    writeFileSync(join(sub, 'steps.ldjson'), events);
    writeFileSync(join(sub, 'summary.json'), JSON.stringify({ id, index: i, status: 'passed', point: margins, margins, steps: stepsPer }));
  }
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({
    format: 'road_runner.run/1', run_id: runId, status: 'passed', unit: 'SN-INGEST', seed: 1, flow: 'bench', margin: 'bench',
    started_at: '2026-01-01T00:00:00.000Z', ended_at: new Date(clock).toISOString(),
  }));
}

async function ingestRows(url, tmp, subruns, stepsPer, log) {
  const { RunUploader } = await import('../../dist/fleet/upload.js');
  const runId = 'rr-20260101T000000Z-b00001';
  const dir = join(tmp, 'runs', runId);
  writeRunFolder(dir, runId, subruns, stepsPer);
  const steps = subruns * stepsPer;
  log(`fleet ingest: ${steps} steps in ${subruns} sub-runs`);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await pool.query("INSERT INTO road_runner.hosts (host_id, hostname, state, heartbeat_ms, lost_after_ms, last_heartbeat, started_at) VALUES ('bench-ingest', 'bench', 'online', 1000, 4000, now(), now()) ON CONFLICT DO NOTHING");
    // The same sync against a pool that sends nothing: the share of reading the run folder.
    const noDb = { query: async () => ({ rows: [], rowCount: 0 }) };
    const r0 = performance.now();
    await new RunUploader(noDb, dir, runId, { hostId: 'bench-ingest', jobId: null }).sync();
    const readMs = performance.now() - r0;
    const up = new RunUploader(pool, dir, runId, { hostId: 'bench-ingest', jobId: null });
    const t = performance.now();
    const counts = await up.sync();
    const s = (performance.now() - t) / 1000;
    if (counts.steps !== steps) throw new Error(`uploaded ${counts.steps} steps, expected ${steps}`);
    const again = await new RunUploader(pool, dir, runId, { hostId: 'bench-ingest', jobId: null }).sync(); // idempotent: same rows
    const n = (await pool.query('SELECT count(*)::int AS n FROM road_runner.steps WHERE run_id = $1', [runId])).rows[0].n;
    if (n !== steps || again.steps !== steps) throw new Error(`after a second upload the database holds ${n} steps, expected ${steps}`);
    return [makeRow({ id: 'fleet_ingest.rate', what: `result ingest into PostgreSQL (${steps.toLocaleString('en-US')} steps, ${subruns.toLocaleString('en-US')} sub-runs)`, value: steps / s, unit: 'steps/s', target: { on: 'value', min: 5000 }, note: `${(s * 1000).toFixed(0)} ms for one RunUploader.sync, of which ~${readMs.toFixed(0)} ms reading the folder (no database)` })];
  } finally {
    await pool.end();
  }
}

async function reportRows(url, env, tmp, units, points, log) {
  log(`fleet report: synthesizing ${units} units × ${points} boundary points`);
  await withClient(url, async (c) => {
    await c.query(`INSERT INTO road_runner.runs (run_id, host_id, unit, status, flow, margin, seed, started_at, ended_at, summary, uploaded_at)
      SELECT 'rr-20260201T000000Z-' || lpad(to_hex(u), 6, '0'), 'bench-host', 'SNR' || lpad(u::text, 4, '0'), 'passed', 'bench', 'bench', u,
        timestamptz '2026-02-01' + u * interval '1 minute', timestamptz '2026-02-01' + u * interval '1 minute' + interval '1 hour', '{}'::jsonb, now()
      FROM generate_series(1, $1) AS u`, [units]);
    // One boundary column per point: freq_mhz × vcore_mv columns, Vmin spread across units.
    await c.query(`INSERT INTO road_runner.boundaries (run_id, column_key, unit, rail, direction, axes, raw, confirmed, guard_banded, column_data)
      SELECT 'rr-20260201T000000Z-' || lpad(to_hex(u), 6, '0'), 'freq_mhz=' || (800 + p * 10), 'SNR' || lpad(u::text, 4, '0'), 'vcore_mv', 'down',
        jsonb_build_object('freq_mhz', 800 + p * 10), v, v + 5, v + 25, jsonb_build_object('raw', v)
      FROM generate_series(1, $1) AS u, generate_series(0, $2 - 1) AS p, LATERAL (SELECT 650 + p * 0.4 + ((u * 7919 + p * 104729) % 61) AS v) AS x`, [units, points]);
    await c.query('ANALYZE road_runner.boundaries');
  });
  const out = join(tmp, 'report');
  const r = await measureCli('road_runner fleet report', ['fleet', 'report', '--out', out], { env, stdout: 'capture' });
  if (!r.stdout.includes(`${units} unit(s), ${points} column(s)`)) throw new Error(`fleet report said: ${r.stdout.trim()}`);
  const htmlMib = statSync(join(out, 'fleet-report.html')).size / 1048576;
  const what = `\`fleet report\` over ${units} units × ${points.toLocaleString('en-US')} points`;
  return [
    makeRow({ id: 'fleet_report.wall', what, value: r.ms, unit: 'ms', target: { on: 'value', max: 10_000, strict: true }, note: `fleet-report.html ${htmlMib.toFixed(1)} MiB` }),
    makeRow({ id: 'fleet_report.rss', what: `${what}, peak RSS`, value: r.peakKib / 1024, unit: 'MiB', target: { on: 'value', max: 500, strict: true } }),
  ];
}
