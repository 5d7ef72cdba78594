// One measured process: wall time from the parent, peak RSS and CPU from the operating system
// (GNU time's wait4 rusage when /usr/bin/time exists, else VmHWM polled from /proc/<pid>).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const TAIL_CHARS = 4000;

let gnuTimeChecked = null;

/** Whether /usr/bin/time is GNU time (understands -f and -o). */
export async function hasGnuTime() {
  gnuTimeChecked ??= probeGnuTime();
  return gnuTimeChecked;
}

async function probeGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const dir = mkdtempSync(join(tmpdir(), 'rr-bench-time-'));
  try {
    const code = await waitFor(spawn(GNU_TIME, ['-f', '%M', '-o', join(dir, 't'), 'true'], { stdio: 'ignore' }));
    return code === 0 && /^\d+/.test(readFileSync(join(dir, 't'), 'utf8'));
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitFor(child) {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? signal));
  });
}

/**
 * Runs cmd with args and returns { ms, peakKib, cpuMs, code, stdout, stderr, method }.
 * opts: cwd, env, stdout ('ignore' | 'capture' | a numeric fd), method ('auto' | 'poll').
 * stdout/stderr text is kept only when captured (stderr always, its last few KB).
 */
export async function measure(cmd, args, opts = {}) {
  const useTime = opts.method !== 'poll' && (await hasGnuTime());
  return useTime ? measureWithTime(cmd, args, opts) : measureByPolling(cmd, args, opts);
}

function stdioOf(opts) {
  const out = opts.stdout === 'capture' ? 'pipe' : opts.stdout ?? 'ignore';
  return ['ignore', out, 'pipe'];
}

function collect(child) {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (part) => (stdout += part));
  child.stderr.setEncoding('utf8').on('data', (part) => {
    stderr = (stderr + part).slice(-TAIL_CHARS);
  });
  return { text: () => ({ stdout, stderr }) };
}

async function measureWithTime(cmd, args, opts) {
  const dir = mkdtempSync(join(tmpdir(), 'rr-bench-time-'));
  const timeFile = join(dir, 'time');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args], { cwd: opts.cwd, env: opts.env, stdio: stdioOf(opts) });
    const output = collect(child);
    const code = await waitFor(child);
    const ms = performance.now() - started;
    // GNU time writes "Command exited with non-zero status N" above the figures on failure.
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [maxKib, user, sys] = last.split(' ').map(Number);
    return { ms, peakKib: maxKib, cpuMs: (user + sys) * 1000, code, ...output.text(), method: '/usr/bin/time' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readHwmKib(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // gone already
  }
}

async function measureByPolling(cmd, args, opts) {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: stdioOf(opts) });
  const output = collect(child);
  let peakKib = 0;
  const timer = setInterval(() => {
    peakKib = Math.max(peakKib, readHwmKib(child.pid));
  }, 10);
  // 'exit' arrives before the zombie is reaped, so VmHWM can still be read once more.
  child.on('exit', () => {
    peakKib = Math.max(peakKib, readHwmKib(child.pid));
  });
  const code = await waitFor(child);
  clearInterval(timer);
  return { ms: performance.now() - started, peakKib, cpuMs: NaN, code, ...output.text(), method: 'VmHWM polling (lower bound, this process only)' };
}

/** Throws with the stderr tail when a measured command did not exit 0. */
export function assertExitZero(label, result) {
  if (result.code !== 0) throw new Error(`${label} exited ${result.code}:\n${result.stderr.trim().slice(-1500)}`);
  return result;
}
