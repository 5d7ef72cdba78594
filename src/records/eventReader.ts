// The steps.ldjson reader: streams events with bounded memory, however long the file.
// Complete lines are parsed strictly, a chunk at a time: lines split at \n or \r\n, empty
// ones skipped, anything else must be a JSON object. The final line is held back when it has
// no newline (a crash tore it): it is parsed here, kept if whole, otherwise skipped and
// reported. A bad line anywhere else is corruption and an error.

import { closeSync, constants, createReadStream, lstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ExitCode, RrError } from '../errors.js';
import { checkStreamable } from './inputFile.js';

/** Options of readEvents. */
export interface ReadEventsOptions {
  /** Told the text of a torn final line, which is skipped. */
  onTornLine?: (text: string) => void;
}

/** A complete line of an event log that is not a JSON object. */
export class CorruptEventLogError extends RrError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(
      `${file}:${line}: corrupt event line (${detail})`,
      ExitCode.usage,
      'the file was edited or damaged outside road_runner; only a torn last line is tolerated',
    );
  }
}

/** Streams the events of a steps.ldjson file in order. */
export async function* readEvents(path: string, options: ReadEventsOptions = {}): AsyncGenerator<Record<string, unknown>> {
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
  const unreadable = checkStreamable(path);
  if (unreadable) throw new RrError(`event log cannot be read: ${path} ${unreadable.message}`, ExitCode.usage, unreadable.hint);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const cut = data.lastIndexOf(0x0a);
      if (cut === -1) {
        carry = data;
        continue;
      }
      const complete = data.subarray(0, cut + 1);
      carry = Buffer.from(data.subarray(cut + 1));
      const block = parseBlock(complete);
      if (block.bad) {
        yield* block.events;
        throw new CorruptEventLogError(path, linesBefore + block.bad.lineOffset, block.bad.detail);
      }
      yield* block.events;
      linesBefore += block.lines;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RrError(`event log not found: ${path}`, ExitCode.usage, 'check the run and sub-run id');
    }
    throw err;
  }
  const last = readFinalLine(carry);
  if (last.kind === 'event') yield last.event;
  if (last.kind === 'torn') options.onTornLine?.(last.text);
}

/**
 * The same events as readEvents, read in one synchronous call: for the many small logs of a
 * run's sub-runs (thousands of asynchronous open/read/close round trips cost far more than
 * the bytes). Same rules: strict complete lines, a torn final line skipped and reported.
 */
export function readEventsSync(path: string, options: ReadEventsOptions = {}): Record<string, unknown>[] {
  const read = readWholeLog(path, options);
  if (read.error) throw read.error;
  return read.events;
}

/**
 * readEventsSync as a generator that, like readEvents, yields the events before a corrupt line
 * and then throws: for readers that keep what came before the damage.
 */
export function* readEventsWhole(path: string, options: ReadEventsOptions = {}): Generator<Record<string, unknown>> {
  const read = readWholeLog(path, options);
  yield* read.events;
  if (read.error) throw read.error;
}

// One whole event log: its events, and the error that stopped the reading (after those events).
function readWholeLog(path: string, options: ReadEventsOptions): { events: Record<string, unknown>[]; error: RrError | null } {
  const unreadable = checkStreamable(path);
  if (unreadable) throw new RrError(`event log cannot be read: ${path} ${unreadable.message}`, ExitCode.usage, unreadable.hint);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RrError(`event log not found: ${path}`, ExitCode.usage, 'check the run and sub-run id');
    throw err;
  }
  return parseWholeLog(path, data, options);
}

// The events of a whole log's bytes: complete lines strictly, then the final line without a newline.
function parseWholeLog(path: string, data: Buffer, options: ReadEventsOptions): { events: Record<string, unknown>[]; error: RrError | null } {
  const cut = data.lastIndexOf(0x0a);
  let events: Record<string, unknown>[] = [];
  if (cut !== -1) {
    const block = parseBlock(data.subarray(0, cut + 1));
    events = block.events;
    if (block.bad) return { events, error: new CorruptEventLogError(path, block.bad.lineOffset, block.bad.detail) };
  }
  const last = readFinalLine(data.subarray(cut + 1));
  if (last.kind === 'event') events.push(last.event);
  if (last.kind === 'torn') options.onTornLine?.(last.text);
  return { events, error: null };
}

/** What readEventLogIfPresent found at a path. */
export type PresentEventLog =
  | { kind: 'absent' }
  | { kind: 'large'; size: number }
  | { kind: 'read'; events: Record<string, unknown>[]; error: RrError | null };

// One scratch buffer for the many small logs of a run, grown to the largest: the bytes are
// decoded to a string at once, so nothing keeps a reference to it.
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads the event log at `path` whole when it is a regular file of at most `maxBytes`, in four
 * system calls (lstat, open, read, close) and no more. `absent` when nothing is there, or a
 * symlink, a folder, a FIFO or a device (what a listing of regular files leaves out; the lstat
 * comes first so that no device is ever opened, and O_NOFOLLOW and O_NONBLOCK keep a path
 * swapped since from being followed or blocking); `large` for a bigger file, which the caller
 * streams with readEvents. Otherwise the events as readEventsWhole gives them (a torn final line
 * skipped and reported), and the error of a corrupt line after the events before it.
 */
export function readEventLogIfPresent(path: string, maxBytes: number, options: ReadEventsOptions = {}): PresentEventLog {
  let link;
  try {
    link = lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'absent' };
    throw unreadableLog(path, err);
  }
  if (link === undefined || !link.isFile()) return { kind: 'absent' };
  if (link.size > maxBytes) return { kind: 'large', size: link.size };
  const size = link.size;
  let length = 0;
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      if (scratch.length < size) scratch = Buffer.allocUnsafe(size);
      // As readFileSync: the bytes the file held when looked at (a log still being written may grow after).
      while (length < size) {
        const n = readSync(fd, scratch, length, size - length, length);
        if (n === 0) break;
        length += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    // Gone since the lstat (a sub-run folder removed under us): as if it had not been there.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw unreadableLog(path, err);
  }
  return { kind: 'read', ...parseWholeLog(path, scratch.subarray(0, length), options) };
}

function unreadableLog(path: string, err: unknown): RrError {
  return new RrError(`event log cannot be read: ${path} (${(err as Error).message})`, ExitCode.usage,
    'check the permissions of the run folder; an event log is a regular file');
}

type FinalLine = { kind: 'none' } | { kind: 'event'; event: Record<string, unknown> } | { kind: 'torn'; text: string };

// The final line without a newline: nothing, a whole event that only lacks its newline, or torn.
function readFinalLine(carry: Buffer): FinalLine {
  const text = carry.toString('utf8');
  if (text.trim() === '') return { kind: 'none' };
  try {
    const value: unknown = JSON.parse(text);
    if (isPlainObject(value)) return { kind: 'event', event: value };
  } catch {
    // torn: fall through
  }
  return { kind: 'torn', text };
}

/** A block of complete lines, parsed: its events up to the first bad line, and that line if any. */
interface ParsedBlock {
  events: Record<string, unknown>[];
  lines: number;
  bad: { lineOffset: number; detail: string } | null;
}

// Parses a block ending with a newline, line by line (`\r\n` too; empty lines are skipped).
// A line that is not JSON, or not a JSON object, is bad: its 1-based line within the block.
// Lines are cut out of the block's text by position (no array of every line).
function parseBlock(block: Buffer): ParsedBlock {
  return parseLines(block.toString('utf8'));
}

function parseLines(text: string): ParsedBlock {
  const events: Record<string, unknown>[] = [];
  let lineNo = 0;
  let from = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; from = nl + 1, nl = text.indexOf('\n', from)) {
    lineNo += 1;
    const to = nl > from && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    if (to === from) continue;
    const line = text.slice(from, to);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { events, lines: countLines(text), bad: { lineOffset: lineNo, detail: `${(err as Error).message}: ${preview(line)}` } };
    }
    if (!isPlainObject(value)) {
      return { events, lines: countLines(text), bad: { lineOffset: lineNo, detail: `not a JSON object: ${preview(line)}` } };
    }
    events.push(value);
  }
  return { events, lines: lineNo, bad: null };
}

function countLines(text: string): number {
  let n = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) n += 1;
  return n;
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
