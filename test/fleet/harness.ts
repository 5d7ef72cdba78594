// Fleet test harness: a fresh PostgreSQL database per test file (in the cluster that
// RR_TEST_DATABASE_URL names; test/fixtures/pg/start-cluster.sh makes one, .ci/run does it in
// CI), workspaces made by `road_runner init`, and agents as real processes of the built CLI.
// Without RR_TEST_DATABASE_URL the fleet tests skip, except under REQUIRE_SYSTEM_TOOLS=1 (CI),
// where they fail.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist/cli/main.js');
export const HOST_FILE = path.join(REPO, 'test/fixtures/hosts/xeon-gold-6338.yaml');
const ADMIN_URL = process.env.RR_TEST_DATABASE_URL;

/** Whether the fleet tests of this file skip (no database, and not required). */
export function skipWithoutDatabase(): boolean {
  if (ADMIN_URL) return false;
  if (process.env.REQUIRE_SYSTEM_TOOLS === '1') return false; // the suite then fails in freshDatabase
  console.warn('skipping the fleet tests: RR_TEST_DATABASE_URL is not set (eval "$(test/fixtures/pg/start-cluster.sh /tmp/rr-pg)")');
  return true;
}

/** Creates a new database for one test file; returns its URL and a drop function. */
export async function freshDatabase(tag: string, adminUrl = ADMIN_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!adminUrl) throw new Error('RR_TEST_DATABASE_URL is not set: the fleet tests need PostgreSQL (REQUIRE_SYSTEM_TOOLS=1 makes this a failure)');
  const name = `rr_${tag}_${process.pid}_${Math.floor(Math.random() * 1e6)}`.toLowerCase();
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined, () => undefined),
  };
}

/** Runs `fn` with a connected client, closed afterwards. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Rows of one query. */
export function query<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (c) => (await c.query(sql, params)).rows as T[]);
}

/** How a CLI process ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running, with its output so far. */
export interface Running {
  child: ChildProcess;
  output: () => string;
  done: Promise<CliResult>;
}

/** Starts the built CLI as a real process. */
export function startCli(args: string[], env: Record<string, string | undefined>, cwd = REPO): Running {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.RR_ROOT;
  delete childEnv.RR_HOST_FILE;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => stdout + stderr, done };
}

/** Runs the CLI to its end. */
export function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return startCli(args, env).done;
}

/** A workspace made by `road_runner init`, plus a slow diagnostic for jobs that must still be running. */
export interface FleetWorkspace {
  root: string;
  /** Every value ever set on a rail through diags/sim-rail, in order. */
  railHistory: (rail: string) => number[];
  railState: (rail: string) => number | null;
  /** Environment that keeps health readings off the machine's own /sys and kernel log. */
  env: Record<string, string>;
}

/** Several workspaces at once (`road_runner init` runs in parallel: each start of the CLI costs a second on a busy host). */
export async function initWorkspaces(...tags: string[]): Promise<FleetWorkspace[]> {
  const roots = tags.map((tag) => path.join(mkdtempSync(path.join(tmpdir(), `rr-fleet-${tag}-`)), 'ws'));
  const results = await Promise.all(roots.map((root) => cli(['init', root], {})));
  results.forEach((r) => {
    if (r.code !== 0) throw new Error(`road_runner init failed: ${r.stderr}`);
  });
  return roots.map(finishWorkspace);
}

/** `road_runner init` into a new temp folder; adds adapter `slow` (sleeps SECONDS, default 1). */
export function initWorkspace(tag: string): FleetWorkspace {
  const root = path.join(mkdtempSync(path.join(tmpdir(), `rr-fleet-${tag}-`)), 'ws');
  const r = spawnSync(process.execPath, [CLI, 'init', root], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`road_runner init failed: ${r.stderr}`);
  return finishWorkspace(root);
}

// The slow adapter and the accessors of a freshly initialised workspace.
function finishWorkspace(root: string): FleetWorkspace {
  writeFileSync(path.join(root, 'adapters/slow.yaml'), 'name: slow\nexecutable: slow\ntimeout_s: 60\nparams:\n  seconds: {type: number, flag: --seconds, min: 0, max: 30, default: 1}\n');
  // The adapter passes --seconds N: the script takes the value as its second argument.
  writeFileSync(path.join(root, 'diags/slow'), '#!/bin/sh\nsleep "${2:-1}"\necho "slept"\n');
  chmodSync(path.join(root, 'diags/slow'), 0o755);
  const simDir = path.join(root, 'runs/.sim-rails');
  const readRail = (rail: string, suffix: string) => {
    const f = path.join(simDir, `${rail}${suffix}`);
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
  };
  return {
    root,
    railHistory: (rail) => readRail(rail, '.history'),
    railState: (rail) => readRail(rail, '')[0] ?? null,
    env: { RR_SYSFS_ROOT: path.join(root, 'fake-sys'), RR_KMSG_FILE: path.join(root, 'fake-kmsg'), RR_SIM_RAIL_DIR: simDir },
  };
}

/** Removes a workspace made by initWorkspace. */
export function removeWorkspace(ws: FleetWorkspace): void {
  rmSync(path.dirname(ws.root), { recursive: true, force: true });
}

/** Short agent timings for tests. */
export const FAST = ['--heartbeat-ms', '250', '--lost-after-ms', '4000', '--poll-ms', '100'];

/** Starts `road_runner agent` for one unit in a workspace. */
export function startAgent(ws: FleetWorkspace, dbUrl: string, unit: string, hostId: string, extra: string[] = []): Running {
  return startCli(['agent', '--unit', unit, '--host-id', hostId, '--root', ws.root, '--host', HOST_FILE, ...FAST, ...extra], { ...ws.env, RR_DATABASE_URL: dbUrl });
}

/** Waits until `check` gives a truthy value (polled), or fails saying what was awaited. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20_000, detail?: () => string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a margin file into a workspace's margins/. */
export function writeMargin(ws: FleetWorkspace, name: string, body: string): void {
  writeFileSync(path.join(ws.root, 'margins', `${name}.yaml`), `name: ${name}\n${body}`);
}

/** Writes a flow file into a workspace's flows/. */
export function writeFlow(ws: FleetWorkspace, name: string, body: string): void {
  writeFileSync(path.join(ws.root, 'flows', `${name}.yaml`), `name: ${name}\n${body}`);
}

/** Every step_end event of a local run folder, keyed `subrun#index`. */
export function localStepEnds(runDir: string): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  const subruns = path.join(runDir, 'subruns');
  for (const d of existsSync(subruns) ? spawnSync('ls', [subruns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean) : []) {
    const f = path.join(subruns, d, 'steps.ldjson');
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      if (e.event === 'step_end') out.set(`${e.subrun_id}#${e.index}`, e);
    }
  }
  return out;
}
