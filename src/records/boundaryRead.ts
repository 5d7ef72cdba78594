// Reads `runs/<RUN_ID>/boundary.json` (SPEC §10) for the report, the boundary export and
// `diff`. A run without one gets `missing`; a damaged one gets a problem naming the file, the
// field and what to do, never a stack trace.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RrError } from '../errors.js';
import { readJsonFile } from './jsonFile.js';
import type { BoundaryColumn, BoundaryFile } from '../search/types.js';

/** File name of the boundary record in a run folder. */
export const BOUNDARY_FILE = 'boundary.json';

/** What reading a run's boundary.json gave. */
export type BoundaryRead =
  | { kind: 'found'; path: string; boundary: BoundaryFile }
  | { kind: 'missing'; path: string }
  | { kind: 'damaged'; path: string; problem: string };

const FIX = 'road_runner writes boundary.json at the end of a search or grid run; restore it from a copy, or re-run the sweep';

/** Reads the boundary.json of the run folder `dir`. */
export function readBoundary(dir: string, runId: string): BoundaryRead {
  const path = join(dir, BOUNDARY_FILE);
  if (!existsSync(path)) return { kind: 'missing', path };
  let value: unknown;
  try {
    value = readJsonFile(path, `boundary of run ${runId}`);
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    return { kind: 'damaged', path, problem: `${err.message} — ${FIX}` };
  }
  const wrong = checkBoundary(value);
  if (wrong !== null) return { kind: 'damaged', path, problem: `${path}: ${wrong} — ${FIX}` };
  return { kind: 'found', path, boundary: value as BoundaryFile };
}

// The first thing wrong with a parsed boundary.json, or null when its shape is usable.
function checkBoundary(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  if (typeof value.rail !== 'string' || value.rail === '') return '"rail" must be the searched rail\'s name';
  if (value.direction !== 'down' && value.direction !== 'up') return `"direction" must be "down" or "up", got ${JSON.stringify(value.direction)}`;
  if (!Array.isArray(value.columns)) return '"columns" must be a list';
  for (const [i, col] of value.columns.entries()) {
    const where = `columns[${i}]`;
    if (!isObject(col)) return `${where} is not an object`;
    if (!isObject(col.axes) || !Object.values(col.axes).every(isNumber)) return `${where}.axes must map axis names to numbers`;
    for (const key of ['raw', 'confirmed', 'guard_banded', 'last_pass', 'first_fail'] as const) {
      if (col[key] !== null && !isNumber(col[key])) return `${where}.${key} must be a number or null`;
    }
    if (!isNumber(col.probes)) return `${where}.probes must be a number`;
    if (!Array.isArray(col.points)) return `${where}.points must be a list`;
    for (const key of ['flaky', 'holes'] as const) {
      if (!Array.isArray(col[key]) || !(col[key] as unknown[]).every(isNumber)) return `${where}.${key} must be a list of numbers`;
    }
  }
  return null;
}

/** Stable key of a column's axes (`freq_mhz=2000,mem:vddq_mv=1200`, names sorted); `''` for none. */
export function columnKey(axes: BoundaryColumn['axes']): string {
  return Object.keys(axes).sort().map((k) => `${k}=${axes[k]}`).join(',');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
