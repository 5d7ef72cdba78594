// How far each column's boundary moved between two runs that both have boundary.json
// (SPEC §10): confirmed and guard-banded values in rail units, with the side they moved to.
// Toward the safe side (nominal side: up when searching Vmin) the part lost margin; toward the
// far side it gained some.

import { columnKey, readBoundary } from '../records/boundaryRead.js';
import type { BoundaryColumn, BoundaryFile } from '../search/types.js';

/** Which way a boundary moved: `safe` (toward nominal, less margin), `far` (more margin), `none`. */
export type MoveSide = 'safe' | 'far' | 'none';

/** One value's movement; `delta` is B − A in rail units, null when either run never passed in that column. */
export interface ValueMove {
  a: number | null;
  b: number | null;
  delta: number | null;
  toward: MoveSide | null;
}

/** One column present in both runs. */
export interface ColumnMove {
  key: string;
  axes: Record<string, number>;
  confirmed: ValueMove;
  guard_banded: ValueMove;
}

/** The boundary part of `diff`. */
export interface BoundaryDiff {
  rail: string;
  direction: 'down' | 'up';
  columns: ColumnMove[];
  only_in_a: string[];
  only_in_b: string[];
}

/**
 * Compares the boundaries of two run folders. Null (with the reason in `warnings` when it is
 * worth saying) when either run has none, or when they searched different rails or directions.
 */
export function diffBoundaries(a: { run_id: string; dir: string }, b: { run_id: string; dir: string }, warnings: string[]): BoundaryDiff | null {
  const readA = readBoundary(a.dir, a.run_id);
  const readB = readBoundary(b.dir, b.run_id);
  for (const r of [readA, readB]) if (r.kind === 'damaged') warnings.push(`boundary not compared: ${r.problem}`);
  if (readA.kind !== 'found' || readB.kind !== 'found') return null;
  return compareBoundaryFiles(readA.boundary, readB.boundary, warnings);
}

/** The movement of each shared column between boundary files A and B. */
export function compareBoundaryFiles(a: BoundaryFile, b: BoundaryFile, warnings: string[]): BoundaryDiff | null {
  if (a.rail !== b.rail || a.direction !== b.direction) {
    warnings.push(`boundary not compared: A searched ${a.rail} ${a.direction}, B searched ${b.rail} ${b.direction}`);
    return null;
  }
  const byKeyB = new Map(b.columns.map((c) => [columnKey(c.axes), c]));
  const columns: ColumnMove[] = [];
  const onlyA: string[] = [];
  for (const ca of a.columns) {
    const key = columnKey(ca.axes);
    const cb = byKeyB.get(key);
    if (!cb) {
      onlyA.push(key);
      continue;
    }
    byKeyB.delete(key);
    columns.push({ key, axes: ca.axes, confirmed: moveOf(ca, cb, 'confirmed', a.direction), guard_banded: moveOf(ca, cb, 'guard_banded', a.direction) });
  }
  return { rail: a.rail, direction: a.direction, columns, only_in_a: onlyA, only_in_b: [...byKeyB.keys()] };
}

function moveOf(a: BoundaryColumn, b: BoundaryColumn, field: 'confirmed' | 'guard_banded', direction: 'down' | 'up'): ValueMove {
  const va = a[field];
  const vb = b[field];
  if (va === null || vb === null) return { a: va, b: vb, delta: null, toward: null };
  const delta = roundDelta(vb - va);
  // Searching down, the safe end is the high one: a rise is a move toward it.
  const safeSign = direction === 'down' ? 1 : -1;
  const toward: MoveSide = delta === 0 ? 'none' : Math.sign(delta) === safeSign ? 'safe' : 'far';
  return { a: va, b: vb, delta, toward };
}

function roundDelta(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
