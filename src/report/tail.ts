// The last lines of a diagnostic's stdout or stderr, read backwards from the end of the file
// in small blocks: a log of several gigabytes costs no more than a short one.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { checkStreamable } from '../records/inputFile.js';

/** The end of a log file. */
export interface LogTail {
  /** The last lines (at most the number asked for), without their newlines. */
  lines: string[];
  /** There is more in the file before these lines. */
  truncated: boolean;
  /** The file does not exist (or is not readable): `reason` says why. */
  missing: boolean;
  reason: string | null;
  /** Size of the whole file in bytes. */
  size: number;
}

/** Options of readTail. */
export interface ReadTailOptions {
  maxLines?: number;
  /** Never read more than this many bytes from the end. */
  maxBytes?: number;
  /** Lines longer than this are cut, with an ellipsis. */
  maxLineChars?: number;
}

const BLOCK = 8 * 1024;

/** Reads the last `maxLines` lines of a file without reading the rest of it. */
export async function readTail(path: string, options: ReadTailOptions = {}): Promise<LogTail> {
  const maxLines = options.maxLines ?? 20;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const maxLineChars = options.maxLineChars ?? 400;
  let handle;
  const unreadable = checkStreamable(path);
  if (unreadable) return { lines: [], truncated: false, missing: true, reason: unreadable.message, size: 0 };
  try {
    // O_NONBLOCK: a FIFO put there since the check cannot hold the open.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { lines: [], truncated: false, missing: true, reason: code === 'ENOENT' ? 'no such file' : (err as Error).message, size: 0 };
  }
  try {
    const { size } = await handle.stat();
    const blocks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // Read until the block holds one newline more than the lines wanted (the boundary of the first).
    while (start > 0 && size - start < maxBytes && newlines <= maxLines) {
      const length = Math.min(BLOCK, start, maxBytes - (size - start));
      start -= length;
      const block = Buffer.alloc(length);
      await handle.read(block, 0, length, start);
      blocks.unshift(block);
      for (const byte of block) if (byte === 0x0a) newlines += 1;
    }
    return { ...splitTail(Buffer.concat(blocks), start > 0, maxLines, maxLineChars), missing: false, reason: null, size };
  } finally {
    await handle.close();
  }
}

/**
 * readTail in one synchronous call, same result: for the JUnit export, which reads the stderr of
 * every step (tens of thousands of small files, where asynchronous open/stat/read/close round
 * trips cost far more than the bytes).
 */
export function readTailSync(path: string, options: ReadTailOptions = {}): LogTail {
  const maxLines = options.maxLines ?? 20;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const maxLineChars = options.maxLineChars ?? 400;
  const unreadable = checkStreamable(path);
  if (unreadable) return { lines: [], truncated: false, missing: true, reason: unreadable.message, size: 0 };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { lines: [], truncated: false, missing: true, reason: code === 'ENOENT' ? 'no such file' : (err as Error).message, size: 0 };
  }
  try {
    const { size } = fstatSync(fd);
    // Bounded by maxBytes as readTail: one read of the end, then the same cut into lines.
    const length = Math.min(size, maxBytes);
    const tail = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, tail, got, length - got, size - length + got);
      if (n === 0) break;
      got += n;
    }
    const bytes = keepLastLines(tail.subarray(0, got), maxLines);
    const start = size - bytes.length;
    return { ...splitTail(bytes, start > 0, maxLines, maxLineChars), missing: false, reason: null, size };
  } finally {
    closeSync(fd);
  }
}

// The bytes readTail's backwards walk would have kept: whole BLOCKs from the end until they
// hold more than maxLines newlines (or all of `tail`).
function keepLastLines(tail: Buffer, maxLines: number): Buffer {
  let start = tail.length;
  let newlines = 0;
  while (start > 0 && newlines <= maxLines) {
    const from = Math.max(0, start - BLOCK);
    for (let i = from; i < start; i++) if (tail[i] === 0x0a) newlines += 1;
    start = from;
  }
  return tail.subarray(start);
}

// Cuts the bytes read into the last lines. When more precedes them, the first line is only
// the end of a longer one: dropped if there are enough lines, else kept after an ellipsis.
function splitTail(bytes: Buffer, moreBefore: boolean, maxLines: number, maxLineChars: number): { lines: string[]; truncated: boolean } {
  const lines = bytes.toString('utf8').split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let partial = moreBefore;
  const dropped = Math.max(0, lines.length - maxLines);
  if (dropped > 0) {
    lines.splice(0, dropped);
    partial = false;
  }
  const out = lines.map((line, i) => (i === 0 && partial ? `…${line.slice(-maxLineChars)}` : cutLine(line, maxLineChars)));
  return { lines: out, truncated: moreBefore || dropped > 0 };
}

function cutLine(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
