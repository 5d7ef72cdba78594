// One call of a rail actuator (`set` or `get`): argv only, in its own process group, ended as
// a group at its timeout (SIGTERM, SIGKILL after a grace), output captured with a bound, and
// the pipes cut once the group is gone so a process that left the group cannot hold the call
// open. The same group supervision as diagnostics (superviseGroup), with no abort signal: a
// restore must finish even while road_runner is being interrupted.

import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { describeSpawnError } from './spawnError.js';
import { MAX_TIMER_MS, superviseGroup } from './superviseGroup.js';

/** Bytes of stdout kept (an actuator prints one value); the rest is counted and dropped. */
const MAX_STDOUT_BYTES = 64 * 1024;
/** Bytes of stderr kept, from the end (only its last line is shown). */
const MAX_STDERR_BYTES = 8 * 1024;
/** After the group is gone, how long a pipe held by an escaped process may stay open. */
const PIPE_CUT_MS = 200;

export interface ActuatorCallSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  graceMs: number;
  /** Called with the group id right after spawn, and with null once the call is over. */
  onGroup?: (pgid: number | null) => void;
}

export interface ActuatorCallResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Why it could not be started, or null. */
  spawnError: string | null;
  /** The group could not be emptied even with SIGKILL (e.g. a process in state D). */
  stuck: boolean;
}

/**
 * A timeout in ms that a timer can honour: not a positive finite number → the fallback;
 * beyond the timer range → the largest delay a timer can wait (never Node's 1 ms clamp).
 */
export function clampTimeoutMs(ms: number, fallbackMs: number): number {
  if (!Number.isFinite(ms) || ms <= 0) return fallbackMs;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}

/** Runs one actuator call to its end or its timeout; never throws for a process that cannot start. */
export async function callActuatorProcess(spec: ActuatorCallSpec): Promise<ActuatorCallResult> {
  let child;
  try {
    child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    return notStarted(await describeSpawnError(error, spec.file, spec.cwd));
  }
  const failure = new Promise<unknown>((resolve) => child.once('error', resolve));
  const pgid = child.pid;
  if (pgid === undefined) return notStarted(await describeSpawnError(await failure, spec.file, spec.cwd));
  spec.onGroup?.(pgid);
  try {
    const stdout = capture(child.stdout, MAX_STDOUT_BYTES, 'head');
    const stderr = capture(child.stderr, MAX_STDERR_BYTES, 'tail');
    const outcome = await superviseGroup(child, pgid, { timeoutMs: clampTimeoutMs(spec.timeoutMs, MAX_TIMER_MS), graceMs: spec.graceMs });
    // The group is empty; a pipe still open belongs to a process that left it: cut it.
    await Promise.race([Promise.all([stdout.done, stderr.done]), delay(PIPE_CUT_MS)]);
    child.stdout.destroy();
    child.stderr.destroy();
    return {
      stdout: stdout.text(),
      stderr: stderr.text(),
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      spawnError: null,
      stuck: outcome.ending === 'stuck',
    };
  } finally {
    spec.onGroup?.(null);
  }
}

function notStarted(why: string): ActuatorCallResult {
  return { stdout: '', stderr: '', exitCode: null, signal: null, timedOut: false, spawnError: why, stuck: false };
}

/** Collects at most `limit` bytes of a stream: its start ('head') or its end ('tail'). */
function capture(stream: Readable, limit: number, keep: 'head' | 'tail'): { done: Promise<void>; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (keep === 'head') {
      if (size >= limit) return;
      const part = chunk.subarray(0, limit - size);
      chunks.push(part);
      size += part.length;
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
    while (size - (chunks[0]?.length ?? 0) >= limit && chunks.length > 1) size -= chunks.shift()!.length;
  });
  const done = new Promise<void>((resolve) => {
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return {
    done,
    text: () => {
      const all = Buffer.concat(chunks);
      return (keep === 'head' ? all.subarray(0, limit) : all.subarray(Math.max(0, all.length - limit))).toString('utf8');
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
