// CSV and JSON writers of export rows. Both stream: rows are turned into text a batch at a
// time and written through one buffered sink (textSink.ts) that honours the destination's
// back-pressure, so memory does not grow with the run.

import type { Writable } from 'node:stream';
import type { Options as CsvOptions } from 'csv-stringify';
import type { ExportRow, ExportValue } from './exportRows.js';
import { TextSink } from './textSink.js';

/** Writes rows as CSV (RFC 4180 quoting by csv-stringify) with a header line; does not end `out`. */
export async function writeCsv(rows: AsyncIterable<ExportRow>, columns: string[], out: Writable): Promise<void> {
  await writeCsvBatches(oneByOne(rows), columns, out);
}

/**
 * writeCsv over batches of rows (as streamExportRows yields them). A row whose cells need no
 * quoting and no neutralising (numbers, booleans, empty cells, text without `,` `"` CR or LF
 * that does not start like a formula: nearly every row) is written as csv-stringify writes it,
 * its cells joined with commas; any other row goes through csv-stringify's synchronous form
 * (its stream form costs a stream step per row). The header comes first, even with no row.
 */
export async function writeCsvBatches(batches: AsyncIterable<ExportRow[]>, columns: string[], out: Writable): Promise<void> {
  const { stringify } = await import('csv-stringify/sync');
  const options = (header: boolean): CsvOptions => ({
    header,
    columns,
    cast: { boolean: (value: boolean) => String(value), string: neutraliseFormula },
    record_delimiter: 'unix',
  });
  const rowOptions = options(false);
  const sink = new TextSink(out);
  try {
    // Rows are arrays in column order: no key lookups, and a column name with a dot is never read as a path.
    await sink.write(stringify([], options(true)));
    for await (const batch of batches) {
      let text = '';
      for (const row of batch) text += plainCsvLine(row.values, Math.min(row.values.length, columns.length)) ?? stringify([row.values], rowOptions);
      await sink.write(text);
    }
  } catch (err) {
    sink.release();
    throw err;
  }
  await sink.close();
}

// Text csv-stringify writes as it is (with the cast above): no delimiter, quote or line break, no formula start.
const PLAIN_TEXT = /^(?![=+\-@\t\r])[^,"\r\n]*$/;

/** The CSV line of the first `width` cells of a row that needs no quoting (with its newline), or null when a cell does. */
export function plainCsvLine(values: readonly ExportValue[], width: number): string | null {
  let line = '';
  for (let i = 0; i < width; i++) {
    const v = values[i];
    if (i > 0) line += ',';
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean') line += String(v);
    else if (PLAIN_TEXT.test(v)) line += v;
    else return null;
  }
  return `${line}\n`;
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
