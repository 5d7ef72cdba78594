// Reads a large JSON record (plan.json of 100,000 steps) without holding its bulk: the file
// is streamed and the values of the named top-level keys are replaced by `null` before
// parsing, so only the small remainder is ever materialised.

import { createReadStream } from 'node:fs';
import { readJsonFile } from '../records/jsonFile.js';
import { checkStreamable } from '../records/inputFile.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const NULL_TEXT = Buffer.from('null');

/**
 * Parses a JSON object file, leaving out the values of `skipKeys` (they read as null).
 * Errors are those of readJsonFile: RrError (exit 2) naming `what`, the file and the position.
 */
export async function readJsonSkimmed(path: string, what: string, skipKeys: readonly string[], chunkBytes = 256 * 1024): Promise<unknown> {
  const skip = new Set(skipKeys);
  const kept: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectKey = false;
  let keyBytes: number[] | null = null;
  let lastKey = '';
  let skipping = false;
  // A FIFO or a device would block or never end: readJsonFile refuses them with a message.
  if (checkStreamable(path) !== null) return readJsonFile(path, what);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
      let keepFrom = skipping ? -1 : 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i] as number;
        if (inString && keyBytes === null) {
          // Jump to the closing quote: most bytes of a record are inside strings.
          const from: number = escaped ? i + 1 : i;
          i = findStringEnd(chunk, from);
          escaped = i === chunk.length && endsEscaped(chunk, from);
          if (i < chunk.length) inString = false;
          continue;
        }
        if (inString) {
          keyBytes!.push(c);
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            inString = false;
            lastKey = decodeKey(keyBytes!);
            keyBytes = null;
          }
          continue;
        }
        if (c === QUOTE) {
          inString = true;
          if (depth === 1 && expectKey) keyBytes = [c];
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          depth += 1;
          if (depth === 1) expectKey = true;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth -= 1;
          if (depth === 0 && skipping) {
            skipping = false;
            keepFrom = i;
          }
        } else if (depth === 1 && c === COLON) {
          expectKey = false;
          if (skip.has(lastKey)) {
            kept.push(chunk.subarray(keepFrom, i + 1), NULL_TEXT);
            skipping = true;
            keepFrom = -1;
          }
        } else if (depth === 1 && c === COMMA) {
          expectKey = true;
          if (skipping) {
            skipping = false;
            keepFrom = i;
          }
        }
      }
      if (keepFrom >= 0) kept.push(Buffer.from(chunk.subarray(keepFrom)));
    }
  } catch (err) {
    // Not found, a folder, unreadable: let readJsonFile word it.
    readJsonFile(path, what);
    throw err;
  }
  try {
    return JSON.parse(Buffer.concat(kept).toString('utf8')) as unknown;
  } catch {
    // Damaged: readJsonFile reads the whole text and names the line and column.
    return readJsonFile(path, what);
  }
}

// Index of the quote that closes a string starting at or before `from` (chunk length if none).
function findStringEnd(chunk: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const q = chunk.indexOf(QUOTE, i);
    if (q === -1) return chunk.length;
    let slashes = 0;
    for (let k = q - 1; k >= i && chunk[k] === BACKSLASH; k--) slashes += 1;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}

// Whether a chunk that ends inside a string ends in the middle of an escape (odd trailing
// backslashes at or after `from`, where the unescaped part of the string begins).
function endsEscaped(chunk: Buffer, from: number): boolean {
  let slashes = 0;
  for (let k = chunk.length - 1; k >= from && chunk[k] === BACKSLASH; k--) slashes += 1;
  return slashes % 2 === 1;
}

function decodeKey(bytes: number[]): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}
