// CSV and JSON writers of export rows. Both stream: rows are turned into text a batch at a
// time and written through one buffered sink (textSink.ts) that honours the destination's
// back-pressure, so memory does not grow with the run.

import type { Writable } from 'node:stream';
import type { Options as CsvOptions } from 'csv-stringify';
import type { ExportRow, ExportValue } from './exportRows.js';
import { TextSink } from './textSink.js';

/** Rows handed to csv-stringify per call. */
const CSV_BATCH_ROWS = 512;

/** Writes rows as CSV (RFC 4180 quoting by csv-stringify) with a header line; does not end `out`. */
export async function writeCsv(rows: AsyncIterable<ExportRow>, columns: string[], out: Writable): Promise<void> {
  await writeCsvBatches(oneByOne(rows), columns, out);
}

/**
 * writeCsv over batches of rows (as streamExportRows yields them). csv-stringify's synchronous
 * form turns a few hundred rows into text in one call (its stream form costs a stream step per
 * row); the header comes with the first call, even when there is no row.
 */
export async function writeCsvBatches(batches: AsyncIterable<ExportRow[]>, columns: string[], out: Writable): Promise<void> {
  const { stringify } = await import('csv-stringify/sync');
  const options = (header: boolean): CsvOptions => ({
    header,
    columns,
    cast: { boolean: (value: boolean) => String(value), string: neutraliseFormula },
    record_delimiter: 'unix',
  });
  const sink = new TextSink(out);
  let header = true;
  let pending: ExportValue[][] = [];
  const emit = async () => {
    // Rows are arrays in column order: no key lookups, and a column name with a dot is never read as a path.
    await sink.write(stringify(pending, options(header)));
    header = false;
    pending = [];
  };
  try {
    for await (const batch of batches) {
      for (const row of batch) pending.push(row.values);
      if (pending.length >= CSV_BATCH_ROWS) await emit();
    }
    if (pending.length > 0 || header) await emit();
  } catch (err) {
    sink.release();
    throw err;
  }
  await sink.close();
}

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage
 * return first) gets a leading apostrophe, so it is shown as text. Numbers are not text cells.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Writes rows as one JSON array of objects (keys in column order); does not end `out`. */
export async function writeJson(rows: AsyncIterable<ExportRow>, columns: string[], out: Writable): Promise<void> {
  await writeJsonBatches(oneByOne(rows), columns, out);
}

/**
 * writeJson over batches of rows. Each object is put together from its keys' JSON text, made
 * once, and its values' (what JSON.stringify of the object would write: the values are only
 * strings, numbers, booleans and null, and no column name is an integer, so the key order holds).
 */
export async function writeJsonBatches(batches: AsyncIterable<ExportRow[]>, columns: string[], out: Writable): Promise<void> {
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
  const sink = new TextSink(out);
  let first = true;
  try {
    await sink.write('[');
    for await (const batch of batches) {
      let text = '';
      for (const row of batch) {
        text += first ? '\n' : ',\n';
        first = false;
        for (let i = 0; i < keys.length; i++) text += keys[i]! + JSON.stringify(row.values[i] ?? null);
        text += keys.length === 0 ? '{}' : '}';
      }
      await sink.write(text);
    }
    await sink.write(first ? ']\n' : '\n]\n');
  } catch (err) {
    sink.release();
    throw err;
  }
  await sink.close();
}

async function* oneByOne(rows: AsyncIterable<ExportRow>): AsyncGenerator<ExportRow[]> {
  for await (const row of rows) yield [row];
}
