// Launches one diagnostic: argv only (never a shell), in its own process group, stdout and
// stderr streamed to files, output rules applied line by line, and a result that says how it
// ended. The only place that starts diagnostics with execa.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { inheritableEnvironment } from './inheritedEnv.js';
import { createLineSplitter } from './lineScanner.js';
import { copyStreamToFile, openOutputFds, openOutputFiles, type OutputFds, type OutputFiles } from './outputFiles.js';
import { killProcessGroup } from './processGroup.js';
import {
  compileScanRules,
  createOutputScanner,
  type CompiledScanRules,
  type OutputScanner,
  type ScanRules,
} from './scanRules.js';
import { describeSpawnError } from './spawnError.js';
import type { StepScope } from './stepProcesses.js';
import { superviseGroup, terminateStep, type GroupOutcome } from './superviseGroup.js';

export type { ScanRules };
export { isOutputPassing } from './scanRules.js';
export { isProcessGroupAlive, killProcessGroup } from './processGroup.js';

export interface LaunchSpec {
  /** Absolute path, or a bare command name looked up on PATH. */
  file: string;
  /** argv without file; never through a shell. */
  args: string[];
  cwd: string;
  /** Added on top of the inherited environment. */
  env: Record<string, string>;
  /**
   * The inherited environment, default process.env without RR_* variables. A run makes that copy
   * once and passes it to every step: reading process.env key by key costs ~0.1 ms per launch.
   */
  inheritedEnv?: Readonly<Record<string, string | undefined>>;
  /** Created or truncated; parent folders must exist. The same path for both is allowed. */
  stdoutPath: string;
  stderrPath: string;
  /** On timeout: SIGTERM to the whole process group, SIGKILL after graceMs. <= 0: no limit. */
  timeoutMs: number;
  graceMs: number;
  scan?: ScanRules;
  /** Abort: the same TERM→KILL sequence, and result.interrupted = true. */
  signal?: AbortSignal;
  /** Called right after spawn with the process group id (the crash journal records it). */
  onStart?: (pgid: number) => void;
  /**
   * Where every process of the step is held (its cgroup, or its marker): the diagnostic starts
   * inside it, and whatever is left there when the step ends, even outside the process group, is ended.
   */
  scope?: StepScope;
}

export interface LaunchResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  /** Why the diagnostic could not be started, e.g. 'executable not found: diags/x (ENOENT)'. */
  spawnError: string | null;
  failMatched: boolean;
  /** The first line that matched failRegex (shortened), null if none did. */
  failLine: string | null;
  /** A line matched passRegex (always false when there is none). */
  passMatched: boolean;
  metrics: Record<string, number | string>;
  /** A scanned stream could not be written to its file (e.g. disk full); the rest was dropped. */
  outputError: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

/** The part of a result known when the diagnostic is over. */
type Ending = Omit<LaunchResult, 'startedAt' | 'endedAt' | 'durationMs'>;

const NOT_RUN: Ending = {
  exitCode: null,
  signal: null,
  timedOut: false,
  interrupted: false,
  spawnError: null,
  failMatched: false,
  failLine: null,
  passMatched: false,
  metrics: {},
  outputError: null,
};

/** Runs one diagnostic to completion; never throws for a process that cannot start. */
export async function launch(spec: LaunchSpec): Promise<LaunchResult> {
  const rules = compileScanRules(spec.scan);
  const startedAt = new Date();
  const startMs = performance.now();
  // Handles only when Node copies scanned output into the files; else the child gets descriptors.
  let handles: OutputFiles | null;
  let files: OutputFds;
  try {
    handles = rules === null ? null : await openOutputFiles(spec.stdoutPath, spec.stderrPath);
    files = handles ?? openOutputFds(spec.stdoutPath, spec.stderrPath);
  } catch (error) {
    // Disk full, too many open files, the run folder removed: the step cannot start; say why.
    const ending = { ...NOT_RUN, spawnError: `cannot create its output files: ${(error as Error).message}` };
    return { ...ending, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - startMs) };
  }
  let ending: Ending;
  try {
    ending = await runInGroup(spec, rules, files, handles);
  } finally {
    await files.close();
  }
  return {
    ...ending,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - startMs),
  };
}

async function runInGroup(spec: LaunchSpec, rules: CompiledScanRules | null, files: OutputFds, handles: OutputFiles | null): Promise<Ending> {
  if (spec.signal?.aborted === true) return { ...NOT_RUN, interrupted: true };
  const pipeStdout = rules !== null && rules.stream !== 'stderr';
  const pipeStderr = rules !== null && rules.stream !== 'stdout';
  // execa is loaded only by runs that scan output: the fd path and `plan` never pay for it.
  const execa = pipeStdout || pipeStderr ? (await import('execa')).execa : null;
  let started: Started;
  try {
    started = execa !== null ? startPiped(execa, spec, files, pipeStdout, pipeStderr) : startWithFiles(spec, files);
  } catch (error) {
    // Rejected before spawning, e.g. a NUL byte in an argument.
    return { ...NOT_RUN, spawnError: await describeSpawnError(error, spec.file, spec.cwd) };
  }
  const subprocess = started.child;
  const pgid = subprocess.pid;
  if (pgid === undefined) {
    const failure = await started.failure;
    return { ...NOT_RUN, spawnError: await describeSpawnError(failure, spec.file, spec.cwd) };
  }
  spec.scope?.started(pgid);
  try {
    spec.onStart?.(pgid);
  } catch (error) {
    // Nothing may run that the caller could not record.
    killProcessGroup(pgid, 'SIGKILL');
    spec.scope?.signal('SIGKILL');
    await terminateStep(pgid, spec.scope, 0);
    throw error;
  }

  const scanner = rules === null ? null : createOutputScanner(rules);
  const copies: Promise<string | null>[] = [];
  if (pipeStdout && scanner !== null && handles !== null) copies.push(copyScanned(subprocess.stdout, handles.stdout, scanner));
  if (pipeStderr && scanner !== null && handles !== null) copies.push(copyScanned(subprocess.stderr, handles.stderr, scanner));

  const group: GroupOutcome = await superviseGroup(subprocess, pgid, spec, spec.scope);
  const outputError = await settleCopies(copies, [subprocess.stdout, subprocess.stderr], spec.graceMs);
  const outcome = scanner?.readOutcome();
  return {
    exitCode: group.exitCode,
    signal: group.signal,
    timedOut: group.timedOut,
    interrupted: group.interrupted,
    spawnError: null,
    failMatched: outcome?.failMatched ?? false,
    failLine: outcome?.failLine ?? null,
    passMatched: outcome?.passMatched ?? false,
    metrics: outcome?.metrics ?? {},
    outputError,
  };
}

type Execa = typeof import('execa').execa;

/** The diagnostic's whole environment: the inherited one with the step's variables on top. */
function childEnvironment(spec: LaunchSpec): Record<string, string | undefined> {
  return { ...(spec.inheritedEnv ?? inheritableEnvironment()), ...spec.env, ...spec.scope?.env };
}

/** A diagnostic just started (or not): the process, and why it failed to start if it did. */
interface Started {
  child: ChildProcess;
  failure: Promise<unknown>;
}

/**
 * No stream is scanned: the child gets both files as its stdout/stderr descriptors. This is
 * the per-step hot path of long sweeps of short diagnostics, so it calls Node's spawn
 * directly; execa's option handling costs ~0.8 ms per launch here (docs/performance.md) and
 * adds nothing when no data passes through Node. Same process-group rules as the piped path.
 */
function startWithFiles(spec: LaunchSpec, files: OutputFds): Started {
  const child = spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: childEnvironment(spec),
    stdio: ['ignore', files.stdout.fd, files.stderr.fd],
    detached: true,
  });
  const failure = new Promise<unknown>((resolve) => child.on('error', resolve));
  return { child, failure };
}

/** Some output is scanned: execa spawns the diagnostic as a group leader with piped streams. */
function startPiped(execa: Execa, spec: LaunchSpec, files: OutputFds, pipeStdout: boolean, pipeStderr: boolean): Started {
  const subprocess = startInGroup(execa, spec, files, pipeStdout, pipeStderr);
  return { child: subprocess, failure: subprocess.then((result) => result) };
}

/** Spawns the diagnostic as the leader of a new process group, with execa kept lean. */
function startInGroup(execa: Execa, spec: LaunchSpec, files: OutputFds, pipeStdout: boolean, pipeStderr: boolean) {
  return execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: childEnvironment(spec),
    extendEnv: false,
    stdin: 'ignore',
    stdout: pipeStdout ? 'pipe' : asNativeFd(files.stdout.fd),
    stderr: pipeStderr ? 'pipe' : asNativeFd(files.stderr.fd),
    detached: true,
    // No buffering, no rejection, no transforms: results come from the 'exit' event, output
    // goes to files, and timeouts and kills are done on the group here, not by execa.
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
    encoding: 'buffer',
    stripFinalNewline: false,
  });
}

/**
 * execa's types accept only file descriptors 3–9, but at run time it hands any single integer
 * to spawn() unchanged (the child gets the file itself; no data passes through Node).
 */
function asNativeFd(fd: number): 3 {
  return fd as 3;
}

async function copyScanned(stream: Readable | null, file: OutputFiles['stdout'], scanner: OutputScanner): Promise<string | null> {
  if (stream === null) return null;
  const splitter = createLineSplitter({ onLines: scanner.scanLines, compact: scanner.compact });
  const error = await copyStreamToFile(stream, file, splitter.push);
  splitter.end();
  return error;
}

/**
 * Waits for piped output to be copied. The group is empty by now, so the pipes reach EOF
 * unless a writer left the group (setsid); those pipes are cut after a grace period.
 */
async function settleCopies(copies: Promise<string | null>[], streams: (Readable | null)[], graceMs: number): Promise<string | null> {
  if (copies.length === 0) return null;
  const all = Promise.all(copies);
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(graceMs, 1_000));
  });
  const isDone = await Promise.race([all.then(() => true), cut.then(() => false)]);
  clearTimeout(timer);
  if (!isDone) for (const stream of streams) stream?.destroy();
  const errors = await all;
  return errors.find((error) => error !== null) ?? null;
}
