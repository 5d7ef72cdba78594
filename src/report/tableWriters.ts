// CSV and JSON writers of export rows. Both stream: rows are written as they come, and
// the destination's back-pressure is honoured, so memory does not grow with the run.

import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRow, ExportValue } from './exportRows.js';

/** Writes rows as CSV (RFC 4180 quoting by csv-stringify) with a header line; does not end `out`. */
export async function writeCsv(rows: AsyncIterable<ExportRow>, columns: string[], out: Writable): Promise<void> {
  const { stringify } = await import('csv-stringify');
  const stringifier = stringify({
    header: true,
    columns,
    cast: { boolean: (value: boolean) => String(value), string: neutraliseFormula },
    record_delimiter: 'unix',
  });
  // Rows are arrays in column order: no key lookups, and a column name with a dot is never read as a path.
  await pipeline(Readable.from(toArrays(rows), { objectMode: true }), stringifier, out, { end: false });
}

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage
 * return first) gets a leading apostrophe, so it is shown as text. Numbers are not text cells.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

async function* toArrays(rows: AsyncIterable<ExportRow>): AsyncGenerator<ExportValue[]> {
  for await (const row of rows) yield row.values;
}

/** Writes rows as one JSON array of objects (keys in column order); does not end `out`. */
export async function writeJson(rows: AsyncIterable<ExportRow>, columns: string[], out: Writable): Promise<void> {
  await pipeline(Readable.from(toJsonText(rows, columns)), out, { end: false });
}

async function* toJsonText(rows: AsyncIterable<ExportRow>, columns: string[]): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rows) {
    const ordered: Record<string, ExportValue> = {};
    columns.forEach((c, i) => (ordered[c] = row.values[i] ?? null));
    yield `${first ? '\n' : ',\n'}${JSON.stringify(ordered)}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
