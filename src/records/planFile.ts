// plan.json can hold hundreds of thousands of sub-runs. It is written as a stream: top-level
// fields pretty-printed, one sub-run per line, the (shared) step list serialised once, into
// a temp file that is renamed into place, so a failed write leaves nothing behind.
//
// The bytes are those of JSON.stringify (test/records/planFile.test.ts compares them). A
// sub-run line is assembled from its few fields into a byte buffer, the shared step list
// copied in as bytes; anything but the usual shape goes through JSON.stringify.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Plan, PlannedSubrun } from '../plan/types.js';

const chunkBytes = 1 << 20;

/** Writes a plan to `file` (its folder is created), one sub-run per line. */
export function writePlanFile(file: string, plan: Plan): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    const out = createChunkWriter(fd);
    const { subruns, ...head } = plan;
    const headText = JSON.stringify(head, null, 2);
    out.text(`${headText.slice(0, -2)},\n  "subruns": [`);
    const stepsJson = new Map<unknown, Buffer>();
    const serialize = createSubrunSerializer();
    for (let i = 0; i < subruns.length; i++) {
      const sub = subruns[i]!;
      let stepsBytes = stepsJson.get(sub.steps);
      if (stepsBytes === undefined) {
        stepsBytes = Buffer.from(`,"steps":${JSON.stringify(sub.steps)}}`, 'utf8');
        stepsJson.set(sub.steps, stepsBytes);
      }
      out.text(`${i === 0 ? '' : ','}\n    ${serialize(sub)}`);
      out.bytes(stepsBytes);
    }
    out.text(subruns.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
    out.flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(temp, { force: true });
    throw error;
  }
}

interface ChunkWriter {
  text(s: string): void;
  bytes(b: Uint8Array): void;
  flush(): void;
}

// Collects output in a 1 MiB buffer, written with one call when full.
function createChunkWriter(fd: number): ChunkWriter {
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  const flush = () => {
    if (used > 0) writeSync(fd, chunk, 0, used);
    used = 0;
  };
  return {
    text(s: string): void {
      if (s.length * 3 > chunkBytes - used) {
        flush();
        if (s.length * 3 > chunkBytes) {
          writeSync(fd, s);
          return;
        }
      }
      used += chunk.write(s, used, 'utf8');
    },
    bytes(b: Uint8Array): void {
      if (b.length > chunkBytes - used) {
        flush();
        if (b.length > chunkBytes) {
          writeSync(fd, b);
          return;
        }
      }
      chunk.set(b, used);
      used += b.length;
    },
    flush,
  };
}

const subrunKeys = ['id', 'index', 'seed', 'point', 'margins', 'adapter_margins', 'steps'];

/**
 * Returns JSON.stringify of a sub-run without its `steps` and without the closing brace.
 * Remembers quoted keys, and the text of the last object of each field: consecutive sub-runs
 * often share one (a target whose rails are the same at every point).
 */
function createSubrunSerializer(): (sub: PlannedSubrun) => string {
  // With nothing enumerable on Object.prototype, for…in over a plain object lists exactly the
  // keys JSON.stringify writes, in its order.
  const isUsable = !hasEnumerableKeys(Object.prototype);
  const keys = new Map<string, string>();
  const quoteKey = (key: string) => {
    let quoted = keys.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      keys.set(key, quoted);
    }
    return quoted;
  };
  const serializeNumbers = (record: unknown): string | null => {
    if (!isPlainObject(record)) return null;
    let text = '{';
    for (const key in record) {
      const value = record[key];
      if (!isFiniteNumber(value)) return null;
      text += `${text.length > 1 ? ',' : ''}${quoteKey(key)}:${value}`;
    }
    return `${text}}`;
  };
  const serializeNumbersByKey = (record: unknown): string | null => {
    if (!isPlainObject(record)) return null;
    let text = '{';
    for (const key in record) {
      const rails = serializeNumbers(record[key]);
      if (rails === null) return null;
      text += `${text.length > 1 ? ',' : ''}${quoteKey(key)}:${rails}`;
    }
    return `${text}}`;
  };
  const serializePoint = rememberLast(serializeNumbers);
  const serializeMargins = rememberLast(serializeNumbers);
  const serializeAdapterMargins = rememberLast(serializeNumbersByKey);
  return (sub) => {
    if (isUsable && hasUsualShape(sub)) {
      const p = serializePoint(sub.point);
      const m = serializeMargins(sub.margins);
      const a = serializeAdapterMargins(sub.adapter_margins);
      if (p !== null && m !== null && a !== null) {
        return `{"id":"${sub.id}","index":${sub.index},"seed":${sub.seed},"point":${p},"margins":${m},"adapter_margins":${a}`;
      }
    }
    const { steps: _steps, ...rest } = sub;
    return JSON.stringify(rest).slice(0, -1);
  };
}

// Wraps a serializer so that the same object twice in a row is serialised once.
function rememberLast(serialize: (v: unknown) => string | null): (v: unknown) => string | null {
  let last: unknown;
  let lastText: string | null = null;
  return (v) => {
    if (v !== last || lastText === null) {
      lastText = serialize(v);
      last = v;
    }
    return lastText;
  };
}

function hasEnumerableKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

// A plain object with a plain-text id, finite numbers, and exactly the keys a planned sub-run
// has, in that order.
function hasUsualShape(sub: PlannedSubrun): boolean {
  if (!isPlainObject(sub) || typeof sub.id !== 'string' || !plainText.test(sub.id)) return false;
  if (!isFiniteNumber(sub.index) || !isFiniteNumber(sub.seed)) return false;
  let n = 0;
  for (const key in sub) {
    if (key !== subrunKeys[n]) return false;
    n++;
  }
  return n === subrunKeys.length;
}

// Characters JSON.stringify leaves as they are: printable ASCII but `"` and `\`.
const plainText = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
