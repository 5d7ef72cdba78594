// The steps.ldjson writer. Each event is one complete JSON line handed to the kernel by a
// single write on a file opened for appending: once append() returns, a kill -9 of
// road_runner cannot lose or tear that line (only a power loss could, before the page cache
// is flushed). close() flushes to disk.

import { closeSync, fstatSync, fsyncSync, openSync, readSync, ftruncateSync, writeSync } from 'node:fs';

/** An open steps.ldjson, appended to one event at a time. */
export interface EventLog {
  readonly path: string;
  /** Writes one event as one line; adds `ts` (ISO 8601) if the event has none. */
  append(event: object): void;
  /** Flushes to disk and closes; appending afterwards throws. */
  close(): void;
}

/** Options of openEventLog. */
export interface EventLogOptions {
  /** The clock for `ts`; defaults to the system clock. */
  now?: () => Date;
  /** Told about a torn line found at the end of an existing file (and removed) when opening it. */
  onTornLine?: (text: string) => void;
}

/** Formats one event as its line: `{"ts":…,"event":…,…}\n`, `ts` first. */
export function formatEventLine(event: object, now: () => Date = () => new Date()): string {
  const { ts, ...rest } = event as { ts?: unknown };
  const name = (rest as { event?: unknown }).event;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`an event needs a non-empty string "event" field, got ${JSON.stringify(name)}`);
  }
  const stamped = { ts: ts ?? now().toISOString(), ...rest };
  return `${JSON.stringify(stamped)}\n`;
}

/** Opens (creating if needed) an event log for appending; a torn last line left by a crash is cut off first. */
export function openEventLog(path: string, options: EventLogOptions = {}): EventLog {
  const now = options.now ?? (() => new Date());
  const fd = openSync(path, 'a+');
  try {
    trimTornTail(fd, options.onTornLine);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let isClosed = false;
  return {
    path,
    append(event: object): void {
      if (isClosed) throw new Error(`event log ${path} is closed`);
      writeWhole(fd, Buffer.from(formatEventLine(event, now), 'utf8'));
    },
    close(): void {
      if (isClosed) return;
      isClosed = true;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}

// One write for the whole line; a regular file only takes less on a full disk, and then the
// rest follows so the line is never left torn by us.
function writeWhole(fd: number, bytes: Buffer): void {
  let done = writeSync(fd, bytes, 0, bytes.length);
  if (done === bytes.length) return;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } catch (error) {
    // The disk filled up mid-line: take the part back, so a later event (once space is freed)
    // starts on a line of its own.
    try {
      ftruncateSync(fd, fstatSync(fd).size - done);
    } catch {
      /* the reader drops a torn line */
    }
    throw error;
  }
}

// If the file does not end with a newline, its last line was torn by a crash (or power loss).
// A complete JSON object without its newline gets the newline; anything else is cut off, so
// the next event starts on a line of its own and readers never meet a corrupt middle line.
function trimTornTail(fd: number, onTornLine: ((text: string) => void) | undefined): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const lineStart = findLineStart(fd, size);
  const tail = Buffer.alloc(size - lineStart);
  readSync(fd, tail, 0, tail.length, lineStart);
  const text = tail.toString('utf8');
  if (isJsonObject(text)) {
    writeWhole(fd, Buffer.from('\n'));
    return;
  }
  ftruncateSync(fd, lineStart);
  onTornLine?.(text);
}

// Offset just after the last newline before `size`, reading backwards in blocks.
function findLineStart(fd: number, size: number): number {
  const block = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - block.length);
    const n = readSync(fd, block, 0, end - start, start);
    const at = block.subarray(0, n).lastIndexOf(0x0a);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
