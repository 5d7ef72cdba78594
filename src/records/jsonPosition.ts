// Finds where a text stops being JSON, as line and column, so a message can point at it.
// Node 20's JSON.parse names a position for some mistakes and not for others; this scanner
// walks the grammar (RFC 8259) only after JSON.parse has already failed.

/** A place in a text: 0-based offset, 1-based line and column. */
export interface TextPosition {
  offset: number;
  line: number;
  col: number;
}

/** Locates the first offset at which `text` is not valid JSON; null if it is valid (or too deep to scan). */
export function locateJsonError(text: string): TextPosition | null {
  let offset: number;
  try {
    const end = skipSpace(text, scanValue(text, skipSpace(text, 0)));
    if (end === text.length) return null;
    offset = end;
  } catch (err) {
    if (!(err instanceof JsonScanError)) return null;
    offset = err.offset;
  }
  return positionAt(text, offset);
}

/** Converts an offset into 1-based line and column. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { offset, line, col: offset - lineStart + 1 };
}

class JsonScanError extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

// Scans one value starting at `i` (after white space); returns the offset just after it.
function scanValue(text: string, i: number): number {
  const c = text[i];
  if (c === '{') return scanContainer(text, i, '}', true);
  if (c === '[') return scanContainer(text, i, ']', false);
  if (c === '"') return scanString(text, i);
  for (const word of ['true', 'false', 'null']) {
    if (text.startsWith(word, i)) return i + word.length;
  }
  NUMBER.lastIndex = i;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new JsonScanError(i);
}

function scanContainer(text: string, start: number, close: string, isObject: boolean): number {
  let i = skipSpace(text, start + 1);
  if (text[i] === close) return i + 1;
  for (;;) {
    if (isObject) {
      if (text[i] !== '"') throw new JsonScanError(i);
      i = skipSpace(text, scanString(text, i));
      if (text[i] !== ':') throw new JsonScanError(i);
      i = skipSpace(text, i + 1);
    }
    i = skipSpace(text, scanValue(text, i));
    if (text[i] === close) return i + 1;
    if (text[i] !== ',') throw new JsonScanError(i);
    i = skipSpace(text, i + 1);
  }
}

function scanString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) throw new JsonScanError(i);
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new JsonScanError(i);
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
        i += 1;
      } else {
        throw new JsonScanError(i);
      }
    }
  }
  throw new JsonScanError(text.length);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  return i;
}
