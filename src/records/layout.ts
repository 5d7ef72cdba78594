// Where every record of a run lives, as pure path and name helpers (no I/O):
//   runs/<RUN_ID>/{plan.json, summary.json, sysinfo.json, report.md, report.html, inputs/}
//   runs/<RUN_ID>/subruns/<RUN_ID>-sNN/{steps.ldjson, summary.json, stdout/NN_<step>[-k].log, stderr/…}
// (SPEC §5.3). Sub-runs, steps and expansions are numbered from 0. Runs written in the earlier
// layout (sub-run folders in the run folder, one run-level steps.ldjson) are found by
// records/runFolderLayout.ts, which every reader uses.
// Run and sub-run ids are validated before they become paths, so none can leave runs/.

import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';

/** File names inside a run or sub-run folder (SPEC §9). */
export const RECORD_FILES = {
  plan: 'plan.json',
  summary: 'summary.json',
  steps: 'steps.ldjson',
  sysinfo: 'sysinfo.json',
} as const;

/** Folder names inside a run (`inputs`, `subruns`) or sub-run (`stdout`, `stderr`) folder. */
export const RECORD_DIRS = {
  inputs: 'inputs',
  subruns: 'subruns',
  stdout: 'stdout',
  stderr: 'stderr',
} as const;

/** Host-wide files directly in runs/: the lock folder, its owner record and the crash journal. */
export const RUNS_FILES = {
  lockDir: '.lock',
  lockOwner: '.lock-owner.json',
  journal: '.journal.json',
} as const;

const RUN_ID_PATTERN = /^rr-\d{8}T\d{6}Z-[0-9a-f]{6}$/;
const SUBRUN_ID_PATTERN = /^rr-\d{8}T\d{6}Z-[0-9a-f]{6}-s\d{2,}$/;

/** Tells whether `s` is a run id `rr-<yyyymmddThhmmssZ>-<6 lower-case hex>`. */
export function isRunId(s: string): boolean {
  return RUN_ID_PATTERN.test(s);
}

/** Tells whether `s` is a sub-run id `<RUN_ID>-sNN` (two or more digits). */
export function isSubrunId(s: string): boolean {
  return SUBRUN_ID_PATTERN.test(s);
}

/** Makes a run id from a clock reading and a source of 6 hex digits. */
export function newRunId(now: Date, randomHex: () => string): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  const hex = randomHex().toLowerCase();
  if (!/^[0-9a-f]{6}$/.test(hex)) throw new Error(`randomHex must return 6 hex digits, got "${hex}"`);
  const id = `rr-${stamp}-${hex}`;
  if (!isRunId(id)) throw new Error(`cannot make a run id from ${now.toISOString()}`);
  return id;
}

/** Returns 6 random lower-case hex digits, the default source for newRunId. */
export function randomHex6(): string {
  return randomBytes(3).toString('hex');
}

/** Makes the id of sub-run `index` (0-based) of `count`: `<RUN_ID>-sNN`, padded to the width `count` needs (at least 2). */
export function subrunId(runId: string, index: number, count: number): string {
  assertRunId(runId);
  assertPosition('sub-run index', index, count);
  return `${runId}-s${padNumber(index, count)}`;
}

/** The folder that holds every run of a workspace. */
export function runsDir(root: string): string {
  return join(root, 'runs');
}

/** The folder of one run; throws UsageError for anything that is not a run id. */
export function runDir(root: string, runId: string): string {
  assertRunId(runId);
  return join(runsDir(root), runId);
}

/** The folder of one sub-run as a run writes it now (`<run>/subruns/<id>`); throws UsageError for a malformed id. */
export function subrunDir(root: string, runId: string, subrunIdValue: string): string {
  assertSubrunOf(runId, subrunIdValue);
  return join(runDir(root, runId), RECORD_DIRS.subruns, subrunIdValue);
}

/** The folder of sub-run `subrunIdValue` inside the run folder `runFolder`, as a run writes it now. */
export function subrunFolder(runFolder: string, subrunIdValue: string): string {
  return join(runFolder, RECORD_DIRS.subruns, subrunIdValue);
}

/** Throws UsageError unless `subrunIdValue` is a sub-run id of run `runId`. */
export function assertSubrunOf(runId: string, subrunIdValue: string): void {
  assertRunId(runId);
  if (!isSubrunId(subrunIdValue) || !subrunIdValue.startsWith(`${runId}-s`)) {
    throw new UsageError(
      `"${subrunIdValue}" is not a sub-run id of run ${runId}`,
      `sub-run ids look like ${runId}-s00`,
    );
  }
}

/**
 * Names the log of step `index` (as numbered in the plan, from 0) among `total` steps: `NN_<step>.log`,
 * or `NN_<step>-k.log` when `repeat` is given (the step repeats or has sweep expansions; k from 0).
 * NN is padded to 2 digits or to the width `total` needs; unsafe characters in the id become `_`.
 */
export function stepLogName(index: number, stepId: string, repeat?: number, total?: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`step index must be a non-negative integer, got ${index}`);
  if (repeat !== undefined && (!Number.isInteger(repeat) || repeat < 0)) {
    throw new RangeError(`step repeat must be a non-negative integer, got ${repeat}`);
  }
  const safeId = stepId.replace(/[^A-Za-z0-9._-]/g, '_') || '_';
  const suffix = repeat === undefined ? '' : `-${repeat}`;
  return `${padNumber(index, total ?? 0)}_${safeId}${suffix}.log`;
}

function padNumber(n: number, count: number): string {
  const width = Math.max(2, String(Math.max(count - 1, n)).length);
  return String(n).padStart(width, '0');
}

function assertRunId(runId: string): void {
  if (!isRunId(runId)) {
    throw new UsageError(
      `"${runId}" is not a run id`,
      'run ids look like rr-20240131T120000Z-a1b2c3; list them with `ls runs/`',
    );
  }
}

function assertPosition(what: string, index: number, count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${what}: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`${what} must be an integer from 0 to ${count - 1}, got ${index}`);
  }
}
