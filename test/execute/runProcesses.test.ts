// Finding a run's processes by the marker in their environment (the no-cgroup path): a process
// caught halfway through execve shows an empty environment for a moment, and must still be found.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findMarkedProcesses, isBetweenEnvironments } from '../../src/execute/runProcesses.js';
import { readProcStat } from '../../src/records/process.js';

describe('findMarkedProcesses', () => {
  it('finds a process on every look while it execs over and over', async () => {
    const value = `reexec-${process.pid}-${Date.now()}`;
    // Each round replaces the shell by a new one: the pid stays, the environment is rebuilt.
    const script = 'n=${1:-0}; [ "$n" -ge 4000 ] && exec sleep 1000; exec sh -c "$0" "$0" $((n + 1))';
    const child = spawn('sh', ['-c', script, script, '0'], { stdio: 'ignore', env: { PATH: process.env.PATH, RR_TEST_MARK: value } });
    try {
      const marker = { name: 'RR_TEST_MARK', value };
      const deadline = performance.now() + 3_000;
      let looks = 0;
      let missed = 0;
      while (performance.now() < deadline) {
        looks++;
        if (!findMarkedProcesses(marker, child.pid!).includes(child.pid!)) missed++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(looks).toBeGreaterThan(50);
      expect(missed).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('does not report a process whose environment is really empty, nor a zombie', async () => {
    const child = spawn('env', ['-i', 'sleep', '1000'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(findMarkedProcesses({ name: 'RR_TEST_MARK', value: 'x' }, child.pid!)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('tells a process halfway through execve from one whose environment is really empty', async () => {
    // The kernel's own figures for two real processes: one with an environment, one without.
    const withEnv = spawn('sleep', ['1000'], { stdio: 'ignore', env: { PATH: process.env.PATH } });
    const without = spawn('env', ['-i', 'sleep', '1000'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const full = readProcStat(withEnv.pid!)!;
      const empty = readProcStat(without.pid!)!;
      expect(BigInt(full.envEnd)).toBeGreaterThan(BigInt(full.envStart));
      expect(empty.envEnd).not.toBe('0');
      expect(empty.envEnd).toBe(empty.envStart);
      expect(isBetweenEnvironments(empty)).toBe(false);
      // Read empty while stat shows an environment's place: the read met the image being let go.
      expect(isBetweenEnvironments(full)).toBe(true);
      // The new image's environment not laid out yet (and a process without memory).
      expect(isBetweenEnvironments({ envStart: '0', envEnd: '0' })).toBe(true);
    } finally {
      withEnv.kill('SIGKILL');
      without.kill('SIGKILL');
    }
  });
});
