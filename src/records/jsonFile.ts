// Reading and writing the JSON records of a run (plan.json, summary.json, sysinfo.json, …).
// Writes are atomic and durable: a reader sees the old file or the new one, never half of
// one, even if road_runner is killed or the host loses power right after.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExitCode, RrError } from '../errors.js';
import { locateJsonError } from './jsonPosition.js';
import { readInputFile } from './inputFile.js';

/** Largest JSON record read whole (a plan of ~100,000 sub-runs is far below; V8 strings end near 512 MiB). */
export const RECORD_LIMIT_BYTES = 256 * 1024 * 1024;

/** Writes `data` as pretty JSON (2 spaces, trailing newline), atomically: temp file, fsync, rename, fsync folder. */
export function writeJsonAtomic(path: string, data: unknown): void {
  const text = JSON.stringify(data, null, 2);
  if (text === undefined) throw new TypeError(`cannot write ${typeof data} as JSON to ${path}`);
  writeFileDurable(path, `${text}\n`);
}

/** Replaces a file's content atomically and durably (temp file in the same folder, fsync, rename, fsync folder). */
export function writeFileDurable(path: string, content: string | Uint8Array): void {
  replaceFile(path, content, true);
}

/**
 * Replaces a file's content atomically (temp file in the same folder, rename), without the two
 * fsyncs: only for files rebuilt from the records on demand (the reports; `road_runner report`
 * writes them again). Readers still never see half a file; a power loss right after may leave
 * the old content or an empty file, never a record the crash journal or a resume depends on.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  replaceFile(path, content, false);
}

function replaceFile(path: string, content: string | Uint8Array, isDurable: boolean): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    if (isDurable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  if (isDurable) fsyncFolder(dirname(path));
}

/**
 * Reads and parses a JSON file that a user may point us at. `what` names it in messages
 * ("plan", "summary of run X"). Throws RrError (exit 2) saying what is wrong and where.
 */
export function readJsonFile(path: string, what: string): unknown {
  const read = readInputFile(path, { limitBytes: RECORD_LIMIT_BYTES });
  if (read.problem) {
    if (read.problem.message === 'file not found') {
      throw new RrError(`${what} not found: ${path}`, ExitCode.usage, 'check the path or the run id');
    }
    const where = read.problem.line === undefined ? path : `${path}:${read.problem.line}:${read.problem.col ?? 1}`;
    throw new RrError(`${what} cannot be read: ${where} ${read.problem.message}`, ExitCode.usage, read.problem.hint);
  }
  const text = read.file.text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RrError(describeJsonError(path, what, text, (err as Error).message), ExitCode.usage,
      'the file was changed or truncated outside road_runner; restore it or re-create the run');
  }
}

function describeJsonError(path: string, what: string, text: string, reason: string): string {
  if (text.trim() === '') return `${what} is empty: ${path}`;
  const at = locateJsonError(text);
  const where = at ? `${path}:${at.line}:${at.col}` : path;
  return `${what} is not valid JSON: ${where}: ${reason}`;
}

// Makes a rename inside `folder` survive a power loss. Some file systems refuse fsync on a folder.
function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
