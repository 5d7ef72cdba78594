// Putting a rail back to nominal with a real actuator process: a call killed by a signal from
// outside (a Ctrl-C to road_runner's group that reached the call between fork and setsid) is
// tried again, up to five attempts; an actuator that fails on its own is tried twice.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readParser } from '../../src/config/railRead.js';
import { restoreRail, type ActuatorCallRecord, type RailActuator } from '../../src/execute/rails.js';
import type { EffectiveBounds } from '../../src/safety/bounds.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-restore-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BOUNDS: EffectiveBounds = {
  rails: { vcore_mv: { min: 700, max: 1100, min_source: 'policy.yaml', max_source: 'policy.yaml' } },
  params: {},
  limits: { max_subruns: 100, max_subruns_source: 'default' },
  require_bounds_for_all_rails: true,
};

// An actuator that keeps the rail in a file and counts its calls; the calls numbered in `killed`
// kill themselves with `signal`, and with `exit` set every `set` exits with that code.
function actuator(opts: { killed?: number[]; signal?: string; exit?: number }): RailActuator {
  const file = path.join(dir, 'rail');
  writeFileSync(file, `#!/bin/sh
calls=$(cat "${dir}/calls" 2>/dev/null || echo 0); calls=$((calls + 1)); echo $calls > "${dir}/calls"
case " ${(opts.killed ?? []).join(' ')} " in *" $calls "*) kill -${opts.signal ?? 'INT'} $$;; esac
case "$1" in
  set) [ ${opts.exit ?? 0} -ne 0 ] && { echo "controller says no" >&2; exit ${opts.exit ?? 0}; }; echo "$2" > "${dir}/value";;
  get) cat "${dir}/value";;
esac
`);
  chmodSync(file, 0o755);
  writeFileSync(path.join(dir, 'value'), '900\n');
  return {
    rail: 'vcore_mv', adapter: 'vcore', file, set: ['set', '{value}'], get: ['get'], nominal: 1000, tolerance: 2, settleMs: 0, settle: null,
    preflight: null, parse: readParser('vcore', undefined), timeoutMs: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: dir,
  };
}

const calls = () => Number(readFileSync(path.join(dir, 'calls'), 'utf8'));
const value = () => Number(readFileSync(path.join(dir, 'value'), 'utf8'));

describe('restoreRail', () => {
  it('gets past calls killed by signals from outside: four killed calls, then the rail is back', async () => {
    const trace: ActuatorCallRecord[] = [];
    const r = await restoreRail(actuator({ killed: [1, 2, 3, 4], signal: 'INT' }), BOUNDS, {}, trace);
    expect(r).toMatchObject({ ok: true, requested: 1000, read_back: 1000, error: null });
    expect(value()).toBe(1000);
    expect(trace.filter((c) => c.signal === 'SIGINT')).toHaveLength(4);
    expect(calls()).toBe(6); // four killed sets, then one set and its read-back
  });

  it('a read-back killed by a hang-up is retried too', async () => {
    // Call 1 (set) passes, call 2 (its read-back) is killed; the second attempt goes through.
    const r = await restoreRail(actuator({ killed: [2], signal: 'HUP' }), BOUNDS, {});
    expect(r.ok).toBe(true);
    expect(calls()).toBe(4);
  });

  it('gives up after five attempts while every call is killed, saying what the first attempt met', async () => {
    const r = await restoreRail(actuator({ killed: [1, 2, 3, 4, 5, 6], signal: 'TERM' }), BOUNDS, {});
    expect(r.ok).toBe(false);
    expect(calls()).toBe(5);
    expect(r.error).toMatch(/killed by SIGTERM.*after 4 retries; first attempt: .*killed by SIGTERM/);
    expect(value()).toBe(900);
  });

  it('an actuator that refuses on its own is tried twice, not five times', async () => {
    const r = await restoreRail(actuator({ exit: 5 }), BOUNDS, {});
    expect(r.ok).toBe(false);
    expect(calls()).toBe(2);
    expect(r.error).toMatch(/exited with 5 \(controller says no\) \(after 1 retry; first attempt: .*exited with 5/);
  });
});
