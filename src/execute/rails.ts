import { setTimeout as sleep } from 'node:timers/promises';
import { checkRailValue, type EffectiveBounds } from '../safety/bounds.js';
import { actuatorInheritedEnvironment } from './inheritedEnv.js';

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
  settleMs: number;
  timeoutMs: number;
  env: Record<string, string>;
  cwd: string;
}

/** What one set-and-read-back achieved. */
export interface RailSetResult {
  requested: number;
  read_back: number | null;
  ok: boolean;
  error: string | null;
}

const defaultActuatorTimeoutMs = 30_000;

/** Seconds-free defaults for an actuator built from its manifest. */
export function actuatorTimeoutMs(timeoutS: number | undefined): number {
  return timeoutS === undefined ? defaultActuatorTimeoutMs : timeoutS * 1000;
}

async function callActuator(act: RailActuator, args: string[], env: Record<string, string>): Promise<{ stdout: string; error: string | null }> {
  // Loaded on the first actuator call: runs without actuated rails never load execa.
  const { execa } = await import('execa');
  const result = await execa(act.file, args, {
    cwd: act.cwd,
    // The inherited environment without road_runner's own RR_* names (inheritedEnv.ts), then the adapter's and the run's.
    env: { ...actuatorInheritedEnvironment(), ...act.env, ...env },
    extendEnv: false,
    timeout: act.timeoutMs,
    reject: false,
    stdin: 'ignore',
    // Its own process group: a Ctrl-C on the terminal goes to the whole foreground job and
    // would otherwise kill the actuator mid-call, even while it is putting a rail back.
    detached: true,
    forceKillAfterDelay: 1000,
  });
  if (result.failed) {
    const stderr = String(result.stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
    const why = result.timedOut
      ? `timed out after ${act.timeoutMs} ms`
      : result.exitCode !== undefined
        ? `exited with ${result.exitCode}`
        : (result.originalMessage ?? result.shortMessage);
    return { stdout: '', error: `${act.adapter} ${args.join(' ')}: ${why}${stderr ? ` (${stderr})` : ''}` };
  }
  return { stdout: String(result.stdout ?? ''), error: null };
}

/** Reads a rail's current value through its actuator's `get` command. */
export async function readRail(act: RailActuator, env: Record<string, string>): Promise<{ value: number | null; error: string | null }> {
  const { stdout, error } = await callActuator(act, act.get, env);
  if (error) return { value: null, error };
  const match = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(stdout);
  if (!match) return { value: null, error: `${act.adapter} get printed no number: ${JSON.stringify(stdout.slice(0, 80))}` };
  return { value: Number(match[0]), error: null };
}

/**
 * Sets a rail and checks it took: the value is checked against the effective bounds right
 * before the actuator is called (a second, runtime check), then set, settled, read back and
 * compared with the tolerance. Never throws; the result says what happened.
 */
export async function setRail(
  act: RailActuator,
  value: number,
  bounds: EffectiveBounds,
  env: Record<string, string>,
): Promise<RailSetResult> {
  const refused = checkRailValue(bounds, act.rail, value);
  if (refused) return { requested: value, read_back: null, ok: false, error: `refused before setting: ${refused}` };
  const args = act.set.map((arg) => arg.replaceAll('{value}', String(value)));
  const set = await callActuator(act, args, env);
  if (set.error) return { requested: value, read_back: null, ok: false, error: set.error };
  if (act.settleMs > 0) await sleep(act.settleMs);
  const read = await readRail(act, env);
  if (read.value === null) return { requested: value, read_back: null, ok: false, error: read.error };
  const off = Math.abs(read.value - value);
  if (off > act.tolerance) {
    return {
      requested: value,
      read_back: read.value,
      ok: false,
      error: `${act.rail} read back ${read.value} after setting ${value}: off by ${Number(off.toFixed(6))}, tolerance ${act.tolerance}`,
    };
  }
  return { requested: value, read_back: read.value, ok: true, error: null };
}

/** Returns a rail to nominal, trying twice: restoring is the one thing that must not give up early. */
export async function restoreRail(act: RailActuator, bounds: EffectiveBounds, env: Record<string, string>): Promise<RailSetResult> {
  const first = await setRail(act, act.nominal, bounds, env);
  if (first.ok) return first;
  const second = await setRail(act, act.nominal, bounds, env);
  return second.ok ? second : { ...second, error: `${second.error} (after a retry; first attempt: ${first.error})` };
}
