// One actuator call as a real process: a timeout beyond the timer range never turns into
// Node's 1 ms clamp, output is bounded, and the call ends at its timeout with its group.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callActuatorProcess, clampTimeoutMs } from '../../src/execute/actuatorCall.js';
import { actuatorTimeoutMs } from '../../src/execute/rails.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-actcall-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('actuator timeouts', () => {
  it('are never a delay a timer cannot honour', () => {
    expect(actuatorTimeoutMs(undefined)).toBe(30_000);
    expect(actuatorTimeoutMs(2)).toBe(2_000);
    expect(actuatorTimeoutMs(1e10)).toBe(2_147_483_647);
    expect(actuatorTimeoutMs(2 ** 53)).toBe(2_147_483_647);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0]) expect(actuatorTimeoutMs(bad)).toBe(30_000);
    expect(clampTimeoutMs(0.2, 5)).toBe(1);
  });

  it('a timeout far beyond the timer range lets a slow call finish instead of failing after 1 ms', async () => {
    const file = script('slow', '#!/bin/sh\nsleep 0.3\necho 1000\n');
    const r = await callActuatorProcess({ file, args: [], cwd: dir, env: { PATH: process.env.PATH }, timeoutMs: 1e13, graceMs: 500 });
    expect(r).toMatchObject({ timedOut: false, exitCode: 0, spawnError: null });
    expect(r.stdout.trim()).toBe('1000');
  });

  it('ends at its timeout with a child that holds the pipes, and kills that child with the group', async () => {
    const pidfile = path.join(dir, 'child.pid');
    const file = script('hang', `#!/bin/sh\nsh -c 'echo $$ > "$1"; exec sleep 1000' child "${pidfile}" &\necho started\nexec sleep 1000\n`);
    const r = await callActuatorProcess({ file, args: [], cwd: dir, env: { PATH: process.env.PATH }, timeoutMs: 300, graceMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('started\n');
    expect(isAlive(Number(readFileSync(pidfile, 'utf8')))).toBe(false);
  });

  it('keeps a bounded amount of output', async () => {
    const file = script('loud', '#!/bin/sh\nhead -c 5000000 /dev/zero | tr "\\\\0" x\nhead -c 5000000 /dev/zero | tr "\\\\0" y >&2\necho "last line" >&2\n');
    const r = await callActuatorProcess({ file, args: [], cwd: dir, env: { PATH: process.env.PATH }, timeoutMs: 30_000, graceMs: 500 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(64 * 1024);
    expect(r.stderr.length).toBeLessThanOrEqual(8 * 1024);
    expect(r.stderr.endsWith('last line\n')).toBe(true);
  });

  it('says why a missing actuator cannot start', async () => {
    const r = await callActuatorProcess({ file: path.join(dir, 'nope'), args: [], cwd: dir, env: {}, timeoutMs: 1000, graceMs: 100 });
    expect(r.spawnError).toMatch(/not found/);
  });
});
