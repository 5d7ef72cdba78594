import { setTimeout as sleep } from 'node:timers/promises';
import { checkRailValue, type EffectiveBounds } from '../safety/bounds.js';
import { actuatorInheritedEnvironment } from './inheritedEnv.js';
import { callActuatorProcess, clampTimeoutMs } from './actuatorCall.js';
import { MAX_TIMER_MS } from './superviseGroup.js';
import { formatRailValue, readParser, type ReadParser } from '../config/railRead.js';

/** A rail actuator ready to call: resolved executable and its argv templates. */
export interface RailActuator {
  rail: string;
  adapter: string;
  /** Absolute path (inside diags/) or bare PATH name. */
  file: string;
  set: string[];
  get: string[];
  nominal: number;
  tolerance: number;
  /** A fixed wait after `set`, before the first read-back. */
  settleMs: number;
  /** Read back repeatedly (every pollMs) until within tolerance or timeoutMs is up; null: one read-back. */
  settle: { timeoutMs: number; pollMs: number } | null;
  /** Arguments of the check run before any rail is touched; null: none. */
  preflight: string[] | null;
  /** Turns `get` output into a value (the manifest's `read` rule). */
  parse: ReadParser;
  timeoutMs: number;
  env: Record<string, string>;
  cwd: string;
}

/** One actuator call as it happened, for a message that says what was tried. */
export interface ActuatorCallRecord {
  action: 'set' | 'get' | 'preflight';
  /** The executable and its arguments. */
  argv: string[];
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  /** Why it could not be started (so it never ran), or null. */
  spawn_error: string | null;
  /** The last line of its stderr, trimmed. */
  stderr: string;
}

/** True when the trace holds a `set` call that started (spawned): the rail may have changed. */
export function hasSetStarted(trace: readonly ActuatorCallRecord[]): boolean {
  return trace.some((c) => c.action === 'set' && c.spawn_error === null);
}

/** What one set-and-read-back achieved. */
export interface RailSetResult {
  requested: number;
  read_back: number | null;
  ok: boolean;
  error: string | null;
}

const defaultActuatorTimeoutMs = 30_000;
/** Between SIGTERM and SIGKILL when an actuator call overruns its timeout. */
const actuatorGraceMs = 1_000;

/**
 * An actuator's call time limit from its manifest's `timeout_s`: 30 s when absent, and never
 * a delay a timer cannot honour (Node turns a delay beyond 2^31-1 ms into 1 ms): a value that
 * is not a positive finite number falls back to the default, a huge one waits the longest a
 * timer can (~24.8 days). The manifest schema refuses such values; this holds whatever the input.
 */
export function actuatorTimeoutMs(timeoutS: number | undefined): number {
  return timeoutS === undefined ? defaultActuatorTimeoutMs : clampTimeoutMs(timeoutS * 1000, defaultActuatorTimeoutMs);
}

async function callActuator(act: RailActuator, args: string[], env: Record<string, string>, trace?: ActuatorCallRecord[], action: ActuatorCallRecord['action'] = 'get'): Promise<{ stdout: string; error: string | null }> {
  // Its own process group (callActuatorProcess): a Ctrl-C on the terminal goes to the whole
  // foreground job and would otherwise kill the actuator mid-call, even while it is putting a
  // rail back. RR_RUN_ID in its environment lets recovery find a call left running by a crash.
  const timeoutMs = clampTimeoutMs(act.timeoutMs, defaultActuatorTimeoutMs);
  const result = await callActuatorProcess({
    // The inherited environment without road_runner's own RR_* names (inheritedEnv.ts), then the adapter's and the run's.
    file: act.file, args, cwd: act.cwd, env: { ...actuatorInheritedEnvironment(), ...act.env, ...env }, timeoutMs, graceMs: actuatorGraceMs,
  });
  const what = `${act.adapter} ${args.join(' ')}`;
  trace?.push({
    action, argv: [act.file, ...args], exit_code: result.exitCode, signal: result.signal, timed_out: result.timedOut,
    spawn_error: result.spawnError, stderr: result.stderr.trim().split('\n').slice(-1)[0] ?? '',
  });
  if (result.spawnError !== null) return { stdout: '', error: `${what}: ${result.spawnError}` };
  if (result.timedOut || result.exitCode !== 0) {
    const stderr = result.stderr.trim().split('\n').slice(-1)[0] ?? '';
    const why = result.timedOut
      ? `timed out after ${timeoutMs} ms`
      : result.exitCode !== null
        ? `exited with ${result.exitCode}`
        : `killed by ${result.signal ?? 'a signal'}`;
    const stuck = result.stuck ? '; its process group could not be killed' : '';
    return { stdout: '', error: `${what}: ${why}${stuck}${stderr ? ` (${stderr})` : ''}` };
  }
  return { stdout: result.stdout, error: null };
}

/** Reads a rail's current value through its actuator's `get` command. */
export async function readRail(act: RailActuator, env: Record<string, string>, trace?: ActuatorCallRecord[]): Promise<{ value: number | null; error: string | null }> {
  const { stdout, error } = await callActuator(act, act.get, env, trace, 'get');
  if (error) return { value: null, error };
  // The manifest's read rule (railRead.ts); a value that is not finite is never accepted.
  return (act.parse ?? readParser(act.adapter, undefined))(stdout);
}

/** Runs an actuator's `preflight` command; null when it passed (or there is none), else why not, with its own stderr. */
export async function preflightRail(act: RailActuator, env: Record<string, string>): Promise<string | null> {
  if (act.preflight === null || act.preflight.length === 0) return null;
  const r = await callActuator(act, act.preflight, env, undefined, 'preflight');
  return r.error;
}

/**
 * Sets a rail and checks it took: the value is checked against the effective bounds right
 * before the actuator is called (a second, runtime check), then set, settled, read back and
 * the read-back checked against the bounds and the tolerance. Never throws; the result says
 * what happened, and `trace` (when given) receives every actuator call made.
 */
export async function setRail(
  act: RailActuator,
  value: number,
  bounds: EffectiveBounds,
  env: Record<string, string>,
  trace?: ActuatorCallRecord[],
): Promise<RailSetResult> {
  const refused = checkRailValue(bounds, act.rail, value);
  if (refused) return { requested: value, read_back: null, ok: false, error: `refused before setting: ${refused}` };
  // Plain decimal text, never exponent notation (the actuator converts units itself).
  const args = act.set.map((arg) => arg.replaceAll('{value}', formatRailValue(value)));
  const set = await callActuator(act, args, env, trace, 'set');
  if (set.error) return { requested: value, read_back: null, ok: false, error: set.error };
  // A settle time is waited in full: never a delay a timer would cut to 1 ms.
  if (Number.isFinite(act.settleMs) && act.settleMs > 0) await sleep(Math.min(act.settleMs, MAX_TIMER_MS));
  let read = await readRail(act, env, trace);
  let settleNote = '';
  if (act.settle !== null && act.settle !== undefined) {
    // Polled settle: read again until the value is within tolerance and in bounds, or the time is up.
    const timeoutMs = Math.min(act.settle.timeoutMs, MAX_TIMER_MS);
    const pollMs = Math.max(1, Math.min(act.settle.pollMs, MAX_TIMER_MS));
    const deadline = Date.now() + timeoutMs;
    let polls = 1;
    const settled = (v: number | null) => v !== null && Math.abs(v - value) <= act.tolerance && checkRailValue(bounds, act.rail, v) === null;
    while (!settled(read.value) && Date.now() + pollMs <= deadline) {
      await sleep(pollMs);
      read = await readRail(act, env, trace);
      polls += 1;
    }
    if (!settled(read.value)) settleNote = ` (not settled within settle.timeout_ms ${timeoutMs} ms, ${polls} read-backs)`;
  }
  if (read.value === null) return { requested: value, read_back: null, ok: false, error: `${read.error}${settleNote}` };
  // SPEC §3.1: the read-back is checked against the bounds too, not only the tolerance: a
  // rail that lands outside them (even within tolerance of an allowed value) is a fault.
  const outside = checkRailValue(bounds, act.rail, read.value);
  if (outside) {
    return { requested: value, read_back: read.value, ok: false, error: `${act.rail} read back ${read.value} after setting ${value}, outside the bounds: ${outside}${settleNote}` };
  }
  const off = Math.abs(read.value - value);
  if (off > act.tolerance) {
    return {
      requested: value,
      read_back: read.value,
      ok: false,
      error: `${act.rail} read back ${read.value} after setting ${value}: off by ${Number(off.toFixed(6))}, tolerance ${act.tolerance}${settleNote}`,
    };
  }
  return { requested: value, read_back: read.value, ok: true, error: null };
}

/** Attempts of a restore whose actuator call failed on its own (an exit code, a timeout, a bad read-back). */
const RESTORE_ATTEMPTS = 2;
/**
 * Attempts of a restore whose actuator call was killed by a signal road_runner did not send.
 * Calls run in their own process group, but a signal sent to road_runner's group (a terminal's
 * Ctrl-C, pressed again and again) between fork and setsid is still delivered to the new
 * process just before it execs: a transient failure that another attempt gets past.
 */
const RESTORE_ATTEMPTS_WHEN_KILLED = 5;

/**
 * Returns a rail to nominal, trying twice, and up to five times while the calls are killed by
 * signals from outside: restoring is the one thing that must not give up early.
 */
export async function restoreRail(act: RailActuator, bounds: EffectiveBounds, env: Record<string, string>, trace?: ActuatorCallRecord[]): Promise<RailSetResult> {
  const failures: string[] = [];
  for (;;) {
    const calls: ActuatorCallRecord[] = [];
    const r = await setRail(act, act.nominal, bounds, env, calls);
    trace?.push(...calls);
    if (r.ok) return r;
    failures.push(r.error ?? 'failed');
    const killed = calls.some((c) => c.signal !== null && !c.timed_out);
    if (failures.length >= (killed ? RESTORE_ATTEMPTS_WHEN_KILLED : RESTORE_ATTEMPTS)) {
      const earlier = failures.slice(0, -1);
      return { ...r, error: `${r.error} (after ${earlier.length} retr${earlier.length === 1 ? 'y' : 'ies'}; first attempt: ${failures[0]})` };
    }
  }
}
