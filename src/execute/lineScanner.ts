// Splits a byte stream into text lines with bounded memory. Lines are handed on in blocks (the
// whole lines of one chunk, joined by '\n') so rules can screen a block with one regex search
// instead of one per line. A line carried across chunks keeps at most maxLineChars characters
// and the rest is dropped, so an endless line without a newline cannot grow the buffer.

import { StringDecoder } from 'node:string_decoder';

/** Default cap of one buffered line. */
export const MAX_LINE_CHARS = 64 * 1024;

export interface LineSplitterOptions {
  /** One or more whole lines joined by '\n', without the final newline. */
  onLines: (block: string) => void;
  maxLineChars?: number;
  /** Shrinks an over-long partial line before it is cut (e.g. resolving \b and \r moves). */
  compact?: (partial: string) => string;
}

export interface LineSplitter {
  push: (chunk: Buffer) => void;
  /** Emits the last line if the stream did not end with a newline. */
  end: () => void;
}

/** Creates a splitter that hands on every line exactly once, in order. */
export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const { onLines, compact } = options;
  const maxChars = options.maxLineChars ?? MAX_LINE_CHARS;
  // Lines split at '\n' never cut a UTF-8 sequence, but chunks may; the decoder holds the
  // incomplete tail of a chunk until the next one.
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let isCut = false;

  const appendToPartial = (text: string, start: number, end: number): void => {
    if (isCut || start >= end) return;
    if (partial.length + (end - start) <= maxChars) {
      partial += text.slice(start, end);
      return;
    }
    // Bounded: partial <= maxChars and one chunk's text is at most one pipe read.
    let joined = partial + text.slice(start, end);
    if (compact !== undefined) joined = compact(joined);
    if (joined.length > maxChars) {
      joined = joined.slice(0, maxChars);
      isCut = true;
    }
    partial = joined;
  };

  const takePartial = (): string => {
    const line = partial;
    partial = '';
    isCut = false;
    return line;
  };

  const scanText = (text: string): void => {
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      appendToPartial(text, 0, text.length);
      return;
    }
    if (partial.length > 0 || isCut) {
      const firstNewline = text.indexOf('\n');
      appendToPartial(text, 0, firstNewline);
      onLines(takePartial());
      if (firstNewline < lastNewline) onLines(text.slice(firstNewline + 1, lastNewline));
    } else {
      onLines(text.slice(0, lastNewline));
    }
    appendToPartial(text, lastNewline + 1, text.length);
  };

  return {
    push: (chunk) => scanText(decoder.write(chunk)),
    end: () => {
      scanText(decoder.end());
      if (partial.length > 0 || isCut) onLines(takePartial());
    },
  };
}

/** Calls fn for each line of a block, each cut to maxChars; stops early when fn returns true. */
export function forEachLine(block: string, fn: (line: string) => boolean | void, maxChars = MAX_LINE_CHARS): void {
  let start = 0;
  for (;;) {
    const newline = block.indexOf('\n', start);
    const end = newline === -1 ? block.length : newline;
    if (fn(block.slice(start, Math.min(end, start + maxChars))) === true || newline === -1) return;
    start = newline + 1;
  }
}
