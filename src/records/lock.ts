// One run at a time per host. proper-lockfile owns the atomic part (mkdir of runs/.lock,
// kept fresh while we live); beside it, runs/.lock-owner.json says who holds it. A lock
// whose owner process is gone (kill -9, or its pid now belongs to a later process) is stale
// and taken over at once: we check the pid ourselves rather than wait for an old mtime.

import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { LockError } from '../errors.js';
import { writeJsonAtomic } from './jsonFile.js';
import { RUNS_FILES } from './layout.js';
import { isRecordedProcessGone, processStartTime } from './process.js';

/** Who holds the run lock, as recorded in runs/.lock-owner.json. */
export interface LockOwner {
  run_id: string;
  pid: number;
  hostname: string;
  started_at: string;
  pid_start_time: string | null;
}

/** The held run lock. */
export interface RunLock {
  readonly owner: LockOwner;
  /** True once the lock folder was removed or went stale under us (the run may go on; warn). */
  isCompromised(): boolean;
  /** Removes the owner record and the lock; safe to call twice. */
  release(): Promise<void>;
}

/** Options of acquireRunLock; defaults are the real clock and host. */
export interface AcquireRunLockOptions {
  now?: () => Date;
  onCompromised?: (err: Error) => void;
}

// proper-lockfile's own mtime staleness is pushed out of the way (we decide by pid); the
// mtime refresh still runs, and serves only a lock folder that never got its owner record.
const LIBRARY_STALE_MS = 7 * 24 * 3600 * 1000;
const UPDATE_MS = 5_000;
const OWNERLESS_STALE_MS = 30_000;
const OWNERLESS_WAIT_MS = 1_000;
const MAX_ATTEMPTS = 4;

/** Takes the host's run lock in `runsDir` (created if missing) for `owner.run_id`; throws LockError while a live run holds it. */
export async function acquireRunLock(runsDir: string, owner: { run_id: string }, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  const now = options.now ?? (() => new Date());
  const paths = lockPaths(runsDir);
  mkdirSync(runsDir, { recursive: true });
  let compromised = false;
  const lockOptions = {
    realpath: false,
    lockfilePath: paths.lockDir,
    stale: LIBRARY_STALE_MS,
    update: UPDATE_MS,
    retries: 0,
    onCompromised: (err: Error) => {
      compromised = true;
      options.onCompromised?.(err);
    },
  };
  for (let attempt = 1; ; attempt++) {
    let releaseLibraryLock: () => Promise<void>;
    try {
      releaseLibraryLock = await lockfile.lock(paths.target, lockOptions);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (attempt >= MAX_ATTEMPTS) {
        throw new LockError(`could not take the run lock ${paths.lockDir}: it kept changing hands`, 'retry in a moment');
      }
      await removeStaleLock(runsDir);
      continue;
    }
    const record: LockOwner = {
      run_id: owner.run_id,
      pid: process.pid,
      hostname: osHostname(),
      started_at: now().toISOString(),
      pid_start_time: processStartTime(process.pid),
    };
    try {
      writeJsonAtomic(paths.owner, record);
    } catch (err) {
      await releaseLibraryLock();
      throw err;
    }
    return makeRunLock(paths.owner, record, releaseLibraryLock, () => compromised);
  }
}

/** Reads who holds the lock in `runsDir`, or null when nobody does (or the holder has not recorded itself yet). */
export function readLockOwner(runsDir: string): LockOwner | null {
  const paths = lockPaths(runsDir);
  if (!existsFolder(paths.lockDir)) return null;
  return readOwnerRecord(paths.owner);
}

/** Tells whether the recorded owner is certainly gone: same host, and its process no longer lives (or the pid was reused). */
export function isLockOwnerGone(owner: LockOwner, thisHost: string = osHostname()): boolean {
  return owner.hostname === thisHost && isRecordedProcessGone(owner.pid, owner.pid_start_time);
}

function makeRunLock(ownerPath: string, record: LockOwner, releaseLibraryLock: () => Promise<void>, isCompromised: () => boolean): RunLock {
  let isReleased = false;
  return {
    owner: record,
    isCompromised,
    async release(): Promise<void> {
      if (isReleased) return;
      isReleased = true;
      // Owner record first: removing the folder first could let a new holder write its record, which we would then delete.
      const current = readOwnerRecord(ownerPath);
      if (current && current.pid === record.pid && current.run_id === record.run_id) removeFile(ownerPath);
      try {
        await releaseLibraryLock();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ERELEASED') throw err;
      }
    },
  };
}

// The lock is held: take it over if its owner is gone, otherwise throw LockError naming the holder.
async function removeStaleLock(runsDir: string): Promise<void> {
  const paths = lockPaths(runsDir);
  let owner = readOwnerRecord(paths.owner);
  for (let waited = 0; owner === null && waited < OWNERLESS_WAIT_MS; waited += 50) {
    // The holder is between mkdir and writing its record, or died right there.
    await sleep(50);
    if (!existsFolder(paths.lockDir)) return;
    owner = readOwnerRecord(paths.owner);
  }
  if (owner === null) {
    if (folderAgeMs(paths.lockDir) < OWNERLESS_STALE_MS) {
      throw new LockError(
        `the run lock ${paths.lockDir} is held by a process that has not recorded itself in ${paths.owner}`,
        `wait a moment and retry; if no road_runner is running, remove ${paths.lockDir}`,
      );
    }
    rmSync(paths.lockDir, { recursive: true, force: true });
    return;
  }
  if (!isLockOwnerGone(owner)) {
    const where = owner.hostname === osHostname() ? '' : ` on host ${owner.hostname}`;
    throw new LockError(
      `another run holds the lock: run ${owner.run_id} (pid ${owner.pid}${where}, started ${owner.started_at})`,
      `one run at a time per host: wait for it to finish, or stop it with \`kill -INT ${owner.pid}\`; ` +
        `a lock whose process is gone is taken over automatically`,
    );
  }
  // Re-read just before removing, so a lock that changed hands meanwhile is left alone.
  const again = readOwnerRecord(paths.owner);
  if (again === null || again.pid !== owner.pid || again.started_at !== owner.started_at) return;
  removeFile(paths.owner);
  rmSync(paths.lockDir, { recursive: true, force: true });
}

function lockPaths(runsDir: string): { target: string; lockDir: string; owner: string } {
  return {
    target: join(runsDir, 'road_runner'),
    lockDir: join(runsDir, RUNS_FILES.lockDir),
    owner: join(runsDir, RUNS_FILES.lockOwner),
  };
}

function readOwnerRecord(path: string): LockOwner | null {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  return isLockOwner(value) ? value : null;
}

function isLockOwner(value: unknown): value is LockOwner {
  const v = value as Partial<LockOwner> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.run_id === 'string' && Number.isInteger(v.pid) && typeof v.hostname === 'string' &&
    typeof v.started_at === 'string' && (v.pid_start_time === null || typeof v.pid_start_time === 'string')
  );
}

function existsFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function folderAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
