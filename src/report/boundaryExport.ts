// `export --format boundary`: a run's boundary.json (SPEC §10) as CSV, one row per searched
// column. A run without boundary.json is refused with the reason (exit 2); the report does
// not guess a boundary for an export that scripts will trust.

import type { Writable } from 'node:stream';
import { ExitCode, RrError } from '../errors.js';
import { readBoundary } from '../records/boundaryRead.js';
import type { BoundaryFile } from '../search/types.js';
import type { ExportRow, ExportValue } from './exportRows.js';
import { resolveRunFolder } from './runFolder.js';
import { writeCsv } from './tableWriters.js';

/** The fixed columns before the axes (`axis_<name>`, sorted) and after them. */
export const BOUNDARY_HEAD = ['run_id', 'rail', 'direction', 'strategy'] as const;
export const BOUNDARY_TAIL = ['raw', 'confirmed', 'guard_banded', 'last_pass', 'first_fail', 'probes', 'flaky', 'holes'] as const;

/** Writes run `runId`'s boundary as CSV to `out` (which it does not end); RrError (exit 2) when the run has no usable boundary.json. */
export async function exportBoundary(root: string, runId: string, out: Writable): Promise<{ rows: number; columns: string[] }> {
  const dir = resolveRunFolder(root, runId);
  const read = readBoundary(dir, runId);
  if (read.kind === 'missing') {
    throw new RrError(`run ${runId} has no boundary (${read.path} does not exist)`, ExitCode.usage,
      'boundary.json is written at the end of a search or grid run by road_runner versions with search (SPEC §10); a run recorded before, or one that crashed before its end, has none — run `road_runner run --resume` to finish it, or export its steps with --format csv');
  }
  if (read.kind === 'damaged') throw new RrError(`run ${runId}: ${read.problem}`, ExitCode.usage);
  const { columns, rows } = boundaryRows(read.boundary);
  await writeCsv(toRows(rows), columns, out);
  return { rows: rows.length, columns };
}

/** The CSV columns and rows of a boundary: flaky and hole values joined with `;`, null as an empty cell. */
export function boundaryRows(b: BoundaryFile): { columns: string[]; rows: ExportValue[][] } {
  const axisNames = [...new Set(b.columns.flatMap((c) => Object.keys(c.axes)))].sort();
  const columns = [...BOUNDARY_HEAD, ...axisNames.map((n) => `axis_${n}`), ...BOUNDARY_TAIL];
  const rows = b.columns.map((c) => [
    b.run_id, b.rail, b.direction, b.strategy,
    ...axisNames.map((n) => c.axes[n] ?? null),
    c.raw, c.confirmed, c.guard_banded, c.last_pass, c.first_fail, c.probes, c.flaky.join(';'), c.holes.join(';'),
  ]);
  return { columns, rows };
}

async function* toRows(rows: ExportValue[][]): AsyncGenerator<ExportRow> {
  for (const values of rows) yield { values, error: null, signal: null, logName: null, marginalReason: null };
}
