// A throw-away workspace for end-to-end tests of `road_runner run`: the simulated rail
// actuator and the fixture diagnostics in diags/, adapters/flows/margins/policy written as
// YAML, rail state kept inside the temp folder, and a saved host so nothing depends on this
// machine. The CLI is the built one (dist/cli/main.js), started as a real process.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist/cli/main.js');
const FIXTURE_BIN = path.join(REPO, 'test/fixtures/bin');
const LSCPU = path.join(REPO, 'test/fixtures/lscpu');
export const MIB = 1024 * 1024;

type Yamlish = Record<string, unknown>;

/** What a test wants in its workspace beyond the defaults. */
export interface WorkspaceOptions {
  /** name → flow body (the name is filled in). */
  flows?: Record<string, Yamlish>;
  /** name → margin body (the name is filled in); `one` (a single point) always exists. */
  margins?: Record<string, Yamlish>;
  /** name → adapter manifest (the name is filled in); replaces a default of the same name. */
  adapters?: Record<string, Yamlish>;
  /** settle_ms of the vcore actuator (default 20). */
  vcoreSettleMs?: number;
  /** Copy the whole sample workspace of the repository instead of building one. */
  sample?: boolean;
  /** Extra executable scripts for diags/: name → text. */
  scripts?: Record<string, string>;
}

/** How a finished CLI process ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A CLI process still running. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  done: Promise<CliResult>;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Leave out `--yes` (default: given). */
  noYes?: boolean;
  /** stdin of the CLI: 'ignore' (default) or a pipe that stays open. */
  stdin?: 'ignore' | 'pipe';
  /** Kill the CLI (SIGKILL) if it has not ended by then; default 60 s. */
  limitMs?: number;
  /** Start the CLI as the leader of its own process group, like a shell job (signal it with `-pid`). */
  ownGroup?: boolean;
}

export interface TestWorkspace {
  root: string;
  runs: string;
  simDir: string;
  hostFile: string;
  /** Starts `road_runner run --flow F --margin M --unit SN1 --yes --root … --host …` plus `extra`. */
  startRun(flow: string, margin: string, extra?: string[], opts?: CliOptions): CliProcess;
  run(flow: string, margin: string, extra?: string[], opts?: CliOptions): Promise<CliResult>;
  /** Starts the CLI with exactly these arguments (plus --root and --host). */
  startCli(args: string[], opts?: CliOptions): CliProcess;
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Current value in the sim-rail state file, or null if the rail was never set. */
  railState(rail: string): number | null;
  /** Every value ever set on the rail, in order. */
  railHistory(rail: string): number[];
  /** Run folders (absolute), oldest first. */
  runFolders(): string[];
  onlyRun(): string;
  dispose(): void;
}

/** Builds a fresh workspace in a temp folder. */
export function createWorkspace(opts: WorkspaceOptions = {}): TestWorkspace {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
  const root = mkdtempSync(path.join(tmpdir(), 'rr-run-'));
  const simDir = path.join(root, 'sim-rails');
  const hostFile = path.join(root, 'host.json');
  writeFileSync(hostFile, JSON.stringify({
    lscpu: readFileSync(path.join(LSCPU, 'xeon-gold-6338-2s-flat-rhel8.txt'), 'utf8'),
    uname: readFileSync(path.join(LSCPU, 'xeon-gold-6338-2s-flat-rhel8.uname'), 'utf8'),
  }));
  if (opts.sample) {
    for (const d of ['adapters', 'diags', 'flows', 'margins', 'policy']) cpSync(path.join(REPO, d), path.join(root, d), { recursive: true });
  } else {
    writeDefaultWorkspace(root, opts);
  }
  mkdirSync(path.join(root, 'runs'), { recursive: true });

  const startCli = (args: string[], o: CliOptions = {}) =>
    // Health is read from fakes inside the workspace (absent unless a test makes them), never the machine's /sys or /dev/kmsg.
    startProcess([CLI, ...args, '--root', root, '--host', hostFile], root,
      { RR_SIM_RAIL_DIR: simDir, RR_SYSFS_ROOT: path.join(root, 'fake-sys'), RR_KMSG_FILE: path.join(root, 'fake-kmsg'), ...o.env }, o);
  const runArgs = (flow: string, margin: string, extra: string[], o: CliOptions) =>
    ['run', '--flow', flow, '--margin', margin, '--unit', 'SN1', ...(o.noYes ? [] : ['--yes']), ...extra];
  const runs = path.join(root, 'runs');
  const ws: TestWorkspace = {
    root,
    runs,
    simDir,
    hostFile,
    startCli,
    cli: (args, o) => startCli(args, o).done,
    startRun: (flow, margin, extra = [], o = {}) => startCli(runArgs(flow, margin, extra, o), o),
    run: (flow, margin, extra = [], o = {}) => startCli(runArgs(flow, margin, extra, o), o).done,
    railState(rail) {
      const f = path.join(simDir, rail);
      return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
    },
    railHistory(rail) {
      const f = path.join(simDir, `${rail}.history`);
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
    },
    runFolders() {
      if (!existsSync(runs)) return [];
      return readdirSync(runs).filter((n) => n.startsWith('rr-')).sort().map((n) => path.join(runs, n));
    },
    onlyRun() {
      const all = ws.runFolders();
      if (all.length !== 1) throw new Error(`expected one run folder, found ${all.length}`);
      return all[0]!;
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return ws;
}

function writeYaml(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(value));
}

function writeScript(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

function writeDefaultWorkspace(root: string, opts: WorkspaceOptions): void {
  const diags = path.join(root, 'diags');
  mkdirSync(diags, { recursive: true });
  copyFileSync(path.join(REPO, 'diags/sim-rail'), path.join(diags, 'sim-rail'));
  chmodSync(path.join(diags, 'sim-rail'), 0o755);
  for (const f of readdirSync(FIXTURE_BIN)) {
    copyFileSync(path.join(FIXTURE_BIN, f), path.join(diags, f));
    chmodSync(path.join(diags, f), 0o755);
  }
  writeScript(path.join(diags, 'print-cwd'), '#!/bin/sh\npwd -P\n');
  for (const [name, text] of Object.entries(opts.scripts ?? {})) writeScript(path.join(diags, name), text);

  const adapters: Record<string, Yamlish> = { ...defaultAdapters(opts.vcoreSettleMs ?? 20), ...opts.adapters };
  for (const [name, body] of Object.entries(adapters)) writeYaml(path.join(root, 'adapters', `${name}.yaml`), { name, ...body });
  for (const [name, body] of Object.entries(opts.flows ?? {})) writeYaml(path.join(root, 'flows', `${name}.yaml`), { name, ...body });
  const margins: Record<string, Yamlish> = {
    one: { global_seed: 7, targets: { default: { vcore_mv: { fixed: 950 }, freq_mhz: { fixed: 2000 }, vddq_mv: { fixed: 1210 } } } },
    ...opts.margins,
  };
  for (const [name, body] of Object.entries(margins)) writeYaml(path.join(root, 'margins', `${name}.yaml`), { name, ...body });
  mkdirSync(path.join(root, 'flows'), { recursive: true });
  writeYaml(path.join(root, 'policy/safety.yaml'), {
    bounds: { vcore_mv: { min: 700, max: 1100 }, freq_mhz: { min: 800, max: 4000 }, vddq_mv: { min: 1100, max: 1300 } },
    limits: { max_subruns: 100, max_step_timeout_s: 3600 },
    require_bounds_for_all_rails: true,
  });
  mkdirSync(path.join(root, 'policy/profiles'), { recursive: true });
}

function defaultAdapters(vcoreSettleMs: number): Record<string, Yamlish> {
  const rail = (r: string, nominal: number, tolerance: number, settle: number) => ({
    kind: 'rail', rail: r, executable: 'sim-rail', set: ['set', r, '{value}'], get: ['get', r], nominal, tolerance, settle_ms: settle,
  });
  return {
    vcore: rail('vcore_mv', 1000, 2, vcoreSettleMs),
    freq: rail('freq_mhz', 2400, 1, 10),
    pass: {
      executable: 'pass', timeout_s: 30,
      pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
      metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' }, iterations: { regex: 'iterations=([0-9]+)', type: 'integer' } },
    },
    fail: { executable: 'fail', timeout_s: 30 },
    'regex-fail': {
      executable: 'regex-fail', timeout_s: 30,
      pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
      metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } },
    },
    hang: { executable: 'hang', timeout_s: 60 },
    'ignore-term': {
      executable: 'ignore-term-grandchild', timeout_s: 60,
      params: { pidfile: { type: 'string', required: true } },
    },
    flood: {
      executable: 'flood', timeout_s: 120,
      params: { mib: { type: 'integer', min: 1, max: 4096, required: true }, tail: { type: 'string' } },
    },
    'flood-scan': {
      executable: 'flood', timeout_s: 120,
      params: { mib: { type: 'integer', min: 1, max: 4096, required: true }, tail: { type: 'string' } },
      pass: { exit_codes: [0], stdout_fail_regex: 'MISCOMPARE' },
      metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } },
    },
    'print-args': { executable: 'print-args', timeout_s: 30, params: { text: { type: 'string', required: true } } },
    'print-env': { executable: 'print-env', timeout_s: 30 },
    'print-cwd': { executable: 'print-cwd', timeout_s: 30 },
  };
}

function startProcess(args: string[], cwd: string, env: Record<string, string>, o: CliOptions): CliProcess {
  const started = performance.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.RR_ROOT;
  delete childEnv.RR_HOST_FILE;
  const child = spawn(process.execPath, args, { cwd, env: childEnv, stdio: [o.stdin ?? 'ignore', 'pipe', 'pipe'], detached: o.ownGroup ?? false });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const limit = setTimeout(() => child.kill('SIGKILL'), o.limitMs ?? 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, pid: child.pid!, done };
}

/** Reads a JSON file. */
export function readJson<T = Record<string, any>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every event of a run: its steps.ldjson files, wherever the run keeps them (sub-run folders under subruns/, or the run folder). */
export function readEvents(runFolder: string): Record<string, any>[] {
  const files = [path.join(runFolder, 'steps.ldjson')];
  if (existsSync(runFolder)) {
    for (const n of readdirSync(runFolder).sort()) files.push(path.join(runFolder, n, 'steps.ldjson'));
  }
  const subruns = path.join(runFolder, 'subruns');
  if (existsSync(subruns)) {
    for (const n of readdirSync(subruns).sort()) files.push(path.join(subruns, n, 'steps.ldjson'));
  }
  const out: Record<string, any>[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as Record<string, any>);
      } catch {
        // a torn last line while the run is still writing
      }
    }
  }
  return out;
}

/** Polls until `check` returns a value other than undefined/false, or throws after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | null, ms = 15_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the (only) run has a step_start event for `stepId`; returns that event. */
export function waitForStepStart(ws: TestWorkspace, stepId: string, ms = 30_000): Promise<Record<string, any>> {
  return waitFor(`step_start of ${stepId}`, () => {
    const dir = ws.runFolders()[0];
    return dir ? readEvents(dir).find((e) => e.event === 'step_start' && e.step_id === stepId) : undefined;
  }, ms);
}

/** Reads state and process group of a pid from /proc; null if it is gone. */
function readStat(pid: string | number): { state: string; pgrp: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** True while the process exists and is not a zombie. */
export function isPidAlive(pid: number): boolean {
  const s = readStat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(e);
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') out.push(Number(e));
  }
  return out;
}

/** Live processes whose working folder lies inside `folder` (diagnostics run in their sub-run folder). */
export function processesUnder(folder: string): { pid: number; pgrp: number }[] {
  const out: { pid: number; pgrp: number }[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${e}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== folder && !cwd.startsWith(folder + path.sep)) continue;
    const s = readStat(e);
    if (s && s.state !== 'Z' && s.state !== 'X') out.push({ pid: Number(e), pgrp: s.pgrp });
  }
  return out;
}

/** Waits for the diagnostic running in the workspace's runs/ and returns its process group. */
export function waitForDiagnosticGroup(ws: TestWorkspace, ms = 30_000): Promise<number> {
  return waitFor('a diagnostic running under runs/', () => processesUnder(ws.runs)[0]?.pgrp, ms);
}

/** Best-effort SIGKILL of a process group a test left behind. */
export function killGroupQuietly(pgid: number): void {
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The sub-run folders of a run, in order. */
export function subrunFolders(runFolder: string): string[] {
  const subruns = path.join(runFolder, 'subruns');
  const base = existsSync(subruns) ? subruns : runFolder;
  return readdirSync(base).filter((n) => /-s\d+$/.test(n)).sort().map((n) => path.join(base, n));
}
