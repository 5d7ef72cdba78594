// Reads a file that a user (or anyone with write access to the workspace) handed us, as if
// it were hostile: only a regular file is read (a FIFO never blocks, a device is never
// drained), never more than a limit, and its text must be UTF-8. A symlink is followed only
// to a file inside the folder the caller trusts, and is then read exactly like that file.

import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Largest YAML input (flow, margin, adapter, policy, profile, host file, template). */
export const INPUT_LIMIT_BYTES = 10 * 1024 * 1024;

/** Why a file cannot be read as an input: a message and a fix, and where in the text when known. */
export interface InputFileProblem {
  message: string;
  hint: string;
  line?: number;
  col?: number;
}

export interface InputFileOptions {
  /** Largest accepted size in bytes. */
  limitBytes: number;
  /**
   * A symlink is followed only when its target lies inside this folder (the workspace);
   * undefined: a symlink is followed wherever it leads.
   */
  linksWithin?: string;
}

/** The bytes and UTF-8 text of an input file. */
export interface InputFile {
  bytes: Buffer;
  text: string;
}

/** Reads an input file under the rules above; a problem instead of a throw. */
export function readInputFile(absPath: string, options: InputFileOptions): { file: InputFile; problem?: undefined } | { file?: undefined; problem: InputFileProblem } {
  const target = followLink(absPath, options.linksWithin);
  if ('problem' in target) return { problem: target.problem };
  let before: Stats;
  try {
    before = statSync(target.path);
  } catch (err) {
    return { problem: describeOpenError(err) };
  }
  // Checked before opening: opening some devices already does something (a tape rewinds).
  if (!before.isFile()) return { problem: notRegular(before) };
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since, open returns at once instead of waiting for a writer.
    fd = openSync(target.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW);
  } catch (err) {
    return { problem: describeOpenError(err) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: notRegular(st) };
    const bytes = readAtMost(fd, options.limitBytes + 1, st.size);
    if (bytes.length > options.limitBytes) return { problem: tooLarge(options.limitBytes) };
    const bad = isUtf8(bytes) ? null : firstInvalidUtf8(bytes);
    if (bad !== null) return { problem: notUtf8(bytes, bad) };
    return { file: { bytes, text: bytes.toString('utf8') } };
  } catch (err) {
    return { problem: describeOpenError(err) };
  } finally {
    closeSync(fd);
  }
}

/**
 * For readers that stream a file themselves (event logs, large records): why the path is not
 * a regular file to open (a FIFO would block the open, a device never ends), or null.
 * A missing file is left to the reader.
 */
export function checkStreamable(absPath: string): InputFileProblem | null {
  let st: Stats;
  try {
    st = statSync(absPath);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : describeOpenError(err);
  }
  return st.isFile() ? null : notRegular(st);
}

// The file a path names: itself, or a symlink's target when that lies inside `within`.
function followLink(absPath: string, within: string | undefined): { path: string } | { problem: InputFileProblem } {
  let link: Stats;
  try {
    link = lstatSync(absPath);
  } catch (err) {
    return { problem: describeOpenError(err) };
  }
  if (!link.isSymbolicLink()) return { path: absPath };
  let real: string;
  try {
    real = realpathSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: { message: `is a symlink that leads nowhere (${code})`, hint: 'point the link at an existing file, or replace it with the file' } };
  }
  if (within !== undefined) {
    const base = realOrSelf(within);
    const rel = path.relative(base, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      return { problem: { message: `is a symlink to ${real}, outside the workspace ${base}`, hint: 'copy the file into the workspace, or point the link at a file inside it' } };
    }
  }
  return { path: real };
}

function realOrSelf(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}

// Reads up to `max` bytes; `sizeHint` (fstat) sizes the first buffer, the file may grow meanwhile.
function readAtMost(fd: number, max: number, sizeHint: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(max, Math.max(sizeHint + 1, 4096)));
  let used = 0;
  for (;;) {
    if (used === buffer.length) {
      if (used >= max) break;
      const bigger = Buffer.allocUnsafe(Math.min(max, buffer.length * 2));
      buffer.copy(bigger, 0, 0, used);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, used, buffer.length - used, null);
    if (n === 0) break;
    used += n;
  }
  return buffer.subarray(0, used);
}

function notRegular(st: Stats): InputFileProblem {
  const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
  return { message: `is ${kind}, not a regular file`, hint: 'name a regular file (inputs are read whole, so pipes and devices are refused)' };
}

function tooLarge(limit: number): InputFileProblem {
  return { message: `is larger than the limit of ${formatBytes(limit)}`, hint: 'an input this large is not a hand-written file; check that the path names the file you meant' };
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

function notUtf8(bytes: Buffer, offset: number): InputFileProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  const col = bytes.subarray(lineStart, offset).toString('utf8').length + 1;
  const hex = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
  return {
    line, col,
    message: `is not valid UTF-8: byte 0x${hex} at offset ${offset}`,
    hint: 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)',
  };
}

function describeOpenError(err: unknown): InputFileProblem {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { message: 'file not found', hint: 'check the path (relative to the current folder or --root)' };
  if (code === 'EISDIR') return { message: 'is a folder, not a file', hint: 'name a file' };
  if (code === 'EACCES' || code === 'EPERM') return { message: `cannot be read (${code}: permission denied)`, hint: 'check the file\'s permissions' };
  if (code === 'ELOOP') return { message: 'became a symlink while being read', hint: 'make the file a regular file and try again' };
  return { message: `cannot be read (${code ?? (err as Error).message})`, hint: 'check the path and the file' };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629), or null. */
export function firstInvalidUtf8(bytes: Uint8Array): number | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // no overlong forms
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return null;
}
