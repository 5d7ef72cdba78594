import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { LockError } from '../../src/errors.js';
import { acquireRunLock, isLockOwnerGone, readLockOwner } from '../../src/records/lock.js';
import { processStartTime } from '../../src/records/process.js';
import { buildRecordsForChildren, makeTempDir, removeTempDir, spawnUntilLine, waitForExit } from './helpers.js';

// One build of src/records for the child processes of this file.
let buildRoot: string;
let holderScript: string;
beforeAll(async () => {
  buildRoot = await makeTempDir('rr-lock-build-');
  const build = await buildRecordsForChildren(buildRoot);
  holderScript = join(buildRoot, 'holder.mjs');
  await writeFile(
    holderScript,
    `import { acquireRunLock } from ${JSON.stringify(join(build, 'records/lock.js'))};
const lock = await acquireRunLock(process.argv[2], { run_id: process.argv[3] });
process.on('SIGTERM', async () => { await lock.release(); process.stdout.write('released\\n'); process.exit(0); });
process.stdout.write('locked\\n');
setInterval(() => {}, 1000);
`,
  );
});
afterAll(async () => {
  await removeTempDir(buildRoot);
});

let dir: string;
let runs: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await makeTempDir();
  runs = join(dir, 'runs');
  mkdirSync(runs);
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitForExit(child);
  }
  await removeTempDir(dir);
});

const RUN_A = 'rr-20240201T100000Z-aaaaaa';
const RUN_B = 'rr-20240201T100500Z-bbbbbb';

async function startHolder(runId: string): Promise<ChildProcess> {
  const { child } = await spawnUntilLine(holderScript, [runs, runId], 'locked');
  children.push(child);
  return child;
}

describe('acquireRunLock', () => {
  it('records its owner and release removes everything', async () => {
    const lock = await acquireRunLock(runs, { run_id: RUN_A }, { now: () => new Date('2024-02-01T10:00:00Z') });
    const owner = readLockOwner(runs);
    expect(owner).toEqual({
      run_id: RUN_A,
      pid: process.pid,
      hostname: hostname(),
      started_at: '2024-02-01T10:00:00.000Z',
      pid_start_time: processStartTime(process.pid),
    });
    expect(lock.owner).toEqual(owner);
    expect(lock.isCompromised()).toBe(false);
    await lock.release();
    await lock.release();
    expect(readdirSync(runs)).toEqual([]);
    expect(readLockOwner(runs)).toBeNull();
  });

  it('creates runs/ when the workspace has none yet', async () => {
    const fresh = join(dir, 'fresh', 'runs');
    const lock = await acquireRunLock(fresh, { run_id: RUN_A });
    expect(readLockOwner(fresh)?.run_id).toBe(RUN_A);
    await lock.release();
    expect(readdirSync(fresh)).toEqual([]);
  });

  it('reports, without crashing, a lock folder removed under it', async () => {
    const errors: Error[] = [];
    const lock = await acquireRunLock(runs, { run_id: RUN_A }, { onCompromised: (e) => errors.push(e) });
    rmSync(join(runs, '.lock'), { recursive: true });
    // proper-lockfile notices at its next refresh (every 5 s).
    for (let i = 0; i < 100 && !lock.isCompromised(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(lock.isCompromised()).toBe(true);
    expect(errors).toHaveLength(1);
    await lock.release();
    expect(readdirSync(runs)).toEqual([]);
  });

  it('refuses a second acquire in the same process', async () => {
    const lock = await acquireRunLock(runs, { run_id: RUN_A });
    await expect(acquireRunLock(runs, { run_id: RUN_B })).rejects.toThrow(LockError);
    await lock.release();
    const again = await acquireRunLock(runs, { run_id: RUN_B });
    expect(readLockOwner(runs)?.run_id).toBe(RUN_B);
    await again.release();
  });

  it('refuses while another live process holds it, naming its run and pid', async () => {
    const child = await startHolder(RUN_A);
    const err = await acquireRunLock(runs, { run_id: RUN_B }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    const lockError = err as LockError;
    expect(lockError.message).toContain(RUN_A);
    expect(lockError.message).toContain(`pid ${child.pid}`);
    expect(lockError.exitCode).toBe(4);
    expect(lockError.hint).toMatch(/wait for it to finish/);
    expect(readLockOwner(runs)).toMatchObject({ run_id: RUN_A, pid: child.pid });
  });

  it('takes over at once from a holder killed with SIGKILL', async () => {
    const child = await startHolder(RUN_A);
    child.kill('SIGKILL');
    await waitForExit(child);
    expect(readLockOwner(runs)?.run_id).toBe(RUN_A);
    expect(isLockOwnerGone(readLockOwner(runs)!)).toBe(true);
    const started = Date.now();
    const lock = await acquireRunLock(runs, { run_id: RUN_B });
    // proper-lockfile alone would wait for the lock's mtime to go stale; we must not.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(readLockOwner(runs)).toMatchObject({ run_id: RUN_B, pid: process.pid });
    await lock.release();
    expect(readdirSync(runs)).toEqual([]);
  });

  it('lets the next run in after the holder releases', async () => {
    const child = await startHolder(RUN_A);
    child.kill('SIGTERM');
    expect((await waitForExit(child)).code).toBe(0);
    expect(readdirSync(runs)).toEqual([]);
    const lock = await acquireRunLock(runs, { run_id: RUN_B });
    await lock.release();
  });

  it('treats a live pid with another start time as a reused pid, hence stale', async () => {
    mkdirSync(join(runs, '.lock'));
    writeFileSync(
      join(runs, '.lock-owner.json'),
      JSON.stringify({ run_id: RUN_A, pid: process.pid, hostname: hostname(), started_at: 'x', pid_start_time: '1' }),
    );
    const lock = await acquireRunLock(runs, { run_id: RUN_B });
    expect(readLockOwner(runs)?.run_id).toBe(RUN_B);
    await lock.release();
  });

  it('does not take over from a live holder on another host', async () => {
    mkdirSync(join(runs, '.lock'));
    writeFileSync(
      join(runs, '.lock-owner.json'),
      JSON.stringify({ run_id: RUN_A, pid: 999_999_999, hostname: 'elsewhere', started_at: 'x', pid_start_time: null }),
    );
    await expect(acquireRunLock(runs, { run_id: RUN_B })).rejects.toThrow(/on host elsewhere/);
  });

  it('refuses a fresh lock folder with no owner record yet', async () => {
    mkdirSync(join(runs, '.lock'));
    await expect(acquireRunLock(runs, { run_id: RUN_B })).rejects.toThrow(/has not recorded itself/);
    expect(existsSync(join(runs, '.lock'))).toBe(true);
  });

  it('readLockOwner ignores an owner record left without its lock folder', async () => {
    writeFileSync(
      join(runs, '.lock-owner.json'),
      JSON.stringify({ run_id: RUN_A, pid: process.pid, hostname: hostname(), started_at: 'x', pid_start_time: null }),
    );
    expect(readLockOwner(runs)).toBeNull();
    const lock = await acquireRunLock(runs, { run_id: RUN_B });
    expect(readLockOwner(runs)?.run_id).toBe(RUN_B);
    await lock.release();
  });
});
