import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors.js';

/** Line and column (1-based) of a value, and of its key when it sits in a mapping. */
export interface Position {
  line: number;
  col: number;
  keyLine?: number;
  keyCol?: number;
}

/** A parsed input file: its data plus where every node stood, as plain data. */
export interface SourceFile {
  /** Path as shown to the user (workspace-relative where possible). */
  file: string;
  data: unknown;
  /** JSON pointer (`/steps/0/adapter`) → position. */
  positions: Record<string, Position>;
}

/**
 * Parses YAML text into data and positions; syntax errors come back as problems, and so do
 * documents built to exhaust memory or the stack (an alias bomb, thousands of nested brackets).
 */
export function parseYamlSource(text: string, file: string): { source: SourceFile | null; problems: Problem[] } {
  try {
    return parseChecked(text, file);
  } catch (err) {
    const exhausted = describeExhaustion(err);
    if (exhausted === null) throw err;
    return { source: null, problems: [{ file, path: '', message: exhausted.message, hint: exhausted.hint }] };
  }
}

// The yaml library throws a ReferenceError when aliases expand beyond maxAliasCount; a deep
// enough nesting overflows the stack of the parser or of the walks below.
function describeExhaustion(err: unknown): { message: string; hint: string } | null {
  if (err instanceof ReferenceError && /alias/i.test(err.message)) {
    return { message: 'YAML aliases expand too much (an alias repeated inside aliases: a "billion laughs" document)', hint: 'write the values out, or use fewer nested aliases' };
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { message: 'YAML nests too deeply to be read', hint: 'flatten the document; no input needs thousands of nested levels' };
  }
  return null;
}

function parseChecked(text: string, file: string): { source: SourceFile | null; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
  const problems: Problem[] = doc.errors.map((err) => {
    // prettyErrors is off, so the position comes from the offset.
    const pos = lineCounter.linePos(err.pos[0]);
    const message = err.code === 'DUPLICATE_KEY'
      ? `duplicate key "${keyAt(text, err.pos[0])}"; keys of a mapping must be unique`
      : /call stack/i.test(err.message) ? 'the document nests too deeply to be read'
      : firstLine(err.message);
    return { file, line: pos.line, col: pos.col, path: '', message: `YAML syntax error: ${message}`, hint: syntaxHint(err.code) };
  });
  if (problems.length > 0) return { source: null, problems };
  const positions: Record<string, Position> = {};
  if (doc.contents) collectPositions(doc.contents, '', lineCounter, positions);
  return { source: { file, data: doc.toJS({ maxAliasCount: 100 }) ?? null, positions }, problems: [] };
}

// The key text starting at an offset (up to the `:` that ends it), for duplicate-key messages.
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200).split('\n')[0] ?? '';
  const colon = rest.search(/:(\s|$)/);
  return (colon < 0 ? rest : rest.slice(0, colon)).trim().replace(/^["']|["']$/g, '');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function syntaxHint(code: string): string | undefined {
  if (code === 'DUPLICATE_KEY') return 'remove or rename one of the two keys';
  if (code === 'BAD_INDENT' || code === 'MISSING_CHAR') return 'check the indentation, the `key: value` form and any unclosed bracket or quote on this line or the lines above';
  if (code === 'TAB_AS_INDENT') return 'indent with spaces, not tabs';
  return undefined;
}

function positionOf(node: Node, lc: LineCounter): { line: number; col: number } {
  const offset = node.range?.[0] ?? 0;
  return lc.linePos(offset);
}

function collectPositions(node: Node, pointer: string, lc: LineCounter, out: Record<string, Position>): void {
  out[pointer] = { ...out[pointer], ...positionOf(node, lc) };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = `${pointer}/${escapePointer(key)}`;
      const keyPos = isScalar(pair.key) ? positionOf(pair.key, lc) : undefined;
      out[child] = keyPos ? { ...keyPos, keyLine: keyPos.line, keyCol: keyPos.col } : { line: 1, col: 1 };
      if (pair.value && typeof pair.value === 'object' && 'range' in pair.value) {
        collectPositions(pair.value as Node, child, lc, out);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item && typeof item === 'object' && 'range' in item) collectPositions(item as Node, `${pointer}/${i}`, lc, out);
    });
  }
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Splits a JSON pointer into its segments. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Renders a JSON pointer as a readable document path: `/steps/1/adapter` → `steps[1].adapter`. */
export function readablePath(pointer: string): string {
  let out = '';
  for (const seg of splitPointer(pointer)) {
    if (/^[0-9]+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Builds a problem located at a pointer of a source (the key's position when `atKey`). */
export function problemAt(
  source: SourceFile,
  pointer: string,
  message: string,
  hint?: string,
  atKey = false,
): Problem {
  let pos = source.positions[pointer];
  let probe = pointer;
  while (!pos && probe !== '') {
    probe = probe.slice(0, probe.lastIndexOf('/'));
    pos = source.positions[probe];
  }
  const line = atKey && pos?.keyLine !== undefined ? pos.keyLine : pos?.line;
  const col = atKey && pos?.keyCol !== undefined ? pos.keyCol : pos?.col;
  return { file: source.file, line, col, path: readablePath(pointer), message, hint };
}
