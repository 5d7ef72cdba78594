// The steps.ldjson reader: streams events with bounded memory, however long the file.
// Complete lines go through ndjson's strict parser, a chunk at a time. The final line is
// held back when it has no newline (a crash tore it): it is parsed here, kept if whole,
// otherwise skipped and reported. A bad line anywhere else is corruption and an error.

import { createReadStream } from 'node:fs';
import type { Transform } from 'node:stream';
import ndjson from 'ndjson';
import { ExitCode, RrError } from '../errors.js';

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
  const parser = ndjson.parse({ strict: true }) as unknown as Transform;
  let parseError: Error | null = null;
  parser.on('error', (err: Error) => {
    parseError ??= err;
  });
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
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
      parser.write(complete);
      const events = drainObjects(parser) as Record<string, unknown>[];
      const shape = measureLines(complete);
      if (parseError !== null || events.length !== shape.nonBlank || !events.every((e) => isPlainObject(e))) {
        const bad = findBadLine(complete);
        yield* events.slice(0, bad.objectsBefore);
        throw new CorruptEventLogError(path, linesBefore + bad.lineOffset, bad.detail);
      }
      yield* events;
      linesBefore += shape.lines;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RrError(`event log not found: ${path}`, ExitCode.usage, 'check the run and sub-run id');
    }
    throw err;
  } finally {
    parser.destroy();
  }
  const last = readFinalLine(carry);
  if (last.kind === 'event') yield last.event;
  if (last.kind === 'torn') options.onTornLine?.(last.text);
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

function drainObjects(parser: Transform): unknown[] {
  const out: unknown[] = [];
  for (let value: unknown = parser.read(); value !== null; value = parser.read()) out.push(value);
  return out;
}

// Counts the lines of a block ending with a newline, and those that are not empty (ndjson skips those).
function measureLines(block: Buffer): { lines: number; nonBlank: number } {
  let lines = 0;
  let nonBlank = 0;
  for (let start = 0, end = block.indexOf(0x0a); end !== -1; start = end + 1, end = block.indexOf(0x0a, start)) {
    lines += 1;
    const length = end - start;
    if (length > 1 || (length === 1 && block[start] !== 0x0d)) nonBlank += 1;
  }
  return { lines, nonBlank };
}

// Finds the first line of a block that ndjson would reject or that is not an object: its
// 1-based line within the block, and how many events precede it.
function findBadLine(block: Buffer): { lineOffset: number; objectsBefore: number; detail: string } {
  const lines = block.toString('utf8').split('\n');
  let objectsBefore = 0;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { lineOffset: i + 1, objectsBefore, detail: `${(err as Error).message}: ${preview(line)}` };
    }
    if (!isPlainObject(value)) {
      return { lineOffset: i + 1, objectsBefore, detail: `not a JSON object: ${preview(line)}` };
    }
    objectsBefore += 1;
  }
  // ndjson failed on something JSON.parse accepts: should not happen; blame the block.
  return { lineOffset: 1, objectsBefore: 0, detail: 'rejected by the ndjson parser' };
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
