// The steps.ldjson reader: streams events with bounded memory, however long the file.
// Complete lines are parsed strictly, a chunk at a time: lines split at \n or \r\n, empty
// ones skipped, anything else must be a JSON object. The final line is held back when it has
// no newline (a crash tore it): it is parsed here, kept if whole, otherwise skipped and
// reported. A bad line anywhere else is corruption and an error.

import { createReadStream, readFileSync } from 'node:fs';
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
  const cut = data.lastIndexOf(0x0a);
  const events: Record<string, unknown>[] = [];
  if (cut !== -1) {
    const block = parseBlock(data.subarray(0, cut + 1));
    events.push(...block.events);
    if (block.bad) return { events, error: new CorruptEventLogError(path, block.bad.lineOffset, block.bad.detail) };
  }
  const last = readFinalLine(Buffer.from(data.subarray(cut + 1)));
  if (last.kind === 'event') events.push(last.event);
  if (last.kind === 'torn') options.onTornLine?.(last.text);
  return { events, error: null };
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
function parseBlock(block: Buffer): ParsedBlock {
  const lines = block.toString('utf8').split('\n');
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const raw = lines[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { events, lines: lines.length - 1, bad: { lineOffset: i + 1, detail: `${(err as Error).message}: ${preview(line)}` } };
    }
    if (!isPlainObject(value)) {
      return { events, lines: lines.length - 1, bad: { lineOffset: i + 1, detail: `not a JSON object: ${preview(line)}` } };
    }
    events.push(value);
  }
  return { events, lines: lines.length - 1, bad: null };
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
