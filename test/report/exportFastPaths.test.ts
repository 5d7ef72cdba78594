// The fast paths of exports and reports over many sub-runs (issue 11): CSV lines written
// without csv-stringify must be what csv-stringify writes; event logs read without a listing
// of regular files must leave out what that listing left out; the buffered sink keeps order
// and multi-byte text, waits on a full stream, and fails when the stream does.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { readEventLogIfPresent, readEventsSync } from '../../src/records/eventReader.js';
import { hasEventLogs, readRunEventBatches, readRunEvents, runFolderLayout } from '../../src/records/runFolderLayout.js';
import { neutraliseFormula, plainCsvLine, writeCsvBatches, writeJsonBatches } from '../../src/report/tableWriters.js';
import { TextSink } from '../../src/report/textSink.js';
import type { ExportRow, ExportValue } from '../../src/report/exportRows.js';
import { makeTempDir, removeTempDir } from '../records/helpers.js';

const RUN = 'rr-20240131T120000Z-abcdef';
let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await removeTempDir(dir);
});

const csvOptions = (columns: string[]) => ({
  header: false, columns, record_delimiter: 'unix' as const,
  cast: { boolean: (v: boolean) => String(v), string: neutraliseFormula },
});

function row(values: ExportValue[]): ExportRow {
  return { values, error: null, signal: null, logName: null, marginalReason: null };
}

async function collect(write: (out: Writable) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

async function* batches<T>(...list: T[][]): AsyncGenerator<T[]> {
  for (const b of list) yield b;
}

describe('CSV lines without csv-stringify', () => {
  const cells: ExportValue[] = [
    null, '', 'plain', 'with space', 'ünïcödé ✓', 0, -0, -5, 1.25, 1e21, Number.NaN, true, false,
    'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', '\r', '=1+1', '+1', '-1', '@x', '\tlead', 'mid=dle', 'x-y', "'quoted'",
    'ends,', '"', ',', '\uFF1Dwide', 'tab\tinside',
  ];
  test('every cell alone, and in pairs, gives csv-stringify\'s line or none', () => {
    const columns = ['a', 'b'];
    let plain = 0;
    for (const x of cells) {
      for (const y of cells) {
        const values = [x, y];
        const fast = plainCsvLine(values, 2);
        const lib = stringify([values], csvOptions(columns));
        if (fast !== null) {
          plain += 1;
          expect(fast, JSON.stringify(values)).toBe(lib);
        } else {
          // Left to csv-stringify only for a cell that quoting or neutralising may change.
          expect(values.some((v) => typeof v === 'string' && /[,"\r\n]|^[=+\-@\t]/.test(v)), JSON.stringify(values)).toBe(true);
        }
      }
    }
    expect(plain).toBeGreaterThan(100);
  });

  test('writeCsvBatches: the header even with no row, then lines as csv-stringify writes them, in order', async () => {
    const columns = ['run_id', 'note', 'n'];
    expect(await collect((out) => writeCsvBatches(batches(), columns, out))).toBe('run_id,note,n\n');
    const rows = cells.map((c, i) => row(['r', c, i]));
    const text = await collect((out) => writeCsvBatches(batches(rows.slice(0, 7), [], rows.slice(7)), columns, out));
    expect(text).toBe(stringify(rows.map((r) => r.values), { ...csvOptions(columns), header: true }));
  });
});

test('writeJsonBatches writes what JSON.stringify of each row object writes', async () => {
  const columns = ['run_id', 'subrun_id', 'metric_x', 'marginal'];
  const rows = [row(['r', 's "1"', 1.5, false]), row(['r', 'ü\n', null, true]), row(['r', null, Number.NaN, false])];
  const text = await collect((out) => writeJsonBatches(batches([rows[0]!], rows.slice(1)), columns, out));
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r.values[i] ?? null])));
  expect(text).toBe(`[\n${objects.map((o) => JSON.stringify(o)).join(',\n')}\n]\n`);
  expect(await collect((out) => writeJsonBatches(batches(), columns, out))).toBe('[]\n');
});

describe('TextSink', () => {
  test('keeps order and multi-byte text across chunks, with pieces larger than a chunk', async () => {
    const pieces = Array.from({ length: 3000 }, (_, i) => (i % 500 === 0 ? `✓${'x'.repeat(5000)}€\n` : `${i}:é😀\n`));
    const text = await collect(async (out) => {
      const sink = new TextSink(out, 4096);
      for (const p of pieces) await sink.write(p);
      await sink.close();
    });
    expect(text).toBe(pieces.join(''));
  });

  test('waits while the stream is full, and fails when the stream fails', async () => {
    let written = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        setTimeout(cb, 1);
      },
    });
    const sink = new TextSink(slow, 1024);
    for (let i = 0; i < 200; i++) await sink.write('y'.repeat(100));
    await sink.close();
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(written).toBe(20_000);

    const broken = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('pipe closed'), { code: 'EPIPE' })) });
    const failing = new TextSink(broken, 64);
    await expect((async () => {
      for (let i = 0; i < 100; i++) await failing.write('z'.repeat(50));
      await failing.close();
    })()).rejects.toMatchObject({ code: 'EPIPE' });
  });
});

describe('event logs read without listing them first', () => {
  test('what is not a regular file is passed over, as eventLogs() passes it over; events as readEventsSync gives them', () => {
    const base = join(dir, RUN, 'subruns');
    const ids = Array.from({ length: 7 }, (_, i) => `${RUN}-s${String(i).padStart(2, '0')}`);
    for (const id of ids) mkdirSync(join(base, id), { recursive: true });
    const line = (id: string, n: number) => `${JSON.stringify({ ts: 't', event: 'step_end', subrun_id: id, index: n, status: 'passed' })}\n`;
    writeFileSync(join(base, ids[0]!, 'steps.ldjson'), line(ids[0]!, 0) + line(ids[0]!, 1));
    // s01: no log; s02: a symlink to a real log; s03: a folder; s04: a FIFO; s05: CRLF and a torn last line; s06: a whole last line without newline.
    writeFileSync(join(dir, 'elsewhere.ldjson'), line('x', 9));
    symlinkSync(join(dir, 'elsewhere.ldjson'), join(base, ids[2]!, 'steps.ldjson'));
    mkdirSync(join(base, ids[3]!, 'steps.ldjson'));
    mkfifo(join(base, ids[4]!, 'steps.ldjson'));
    writeFileSync(join(base, ids[5]!, 'steps.ldjson'), `${line(ids[5]!, 0).replace('\n', '\r\n')}\n{"ts":"t","event":"st`);
    writeFileSync(join(base, ids[6]!, 'steps.ldjson'), line(ids[6]!, 0).trimEnd());
    const layout = runFolderLayout(join(dir, RUN), RUN);
    expect(layout.eventLogs()).toEqual([0, 5, 6].map((i) => join(base, ids[i]!, 'steps.ldjson')));
    for (const id of ids) {
      const path = join(base, id, 'steps.ldjson');
      const read = readEventLogIfPresent(path, 1 << 20);
      if (!layout.eventLogs().includes(path)) expect(read.kind, id).toBe('absent');
      else expect(read).toEqual({ kind: 'read', events: readEventsSync(path), error: null });
    }
    expect(readEventLogIfPresent(join(base, ids[0]!, 'steps.ldjson'), 10).kind).toBe('large');
    expect(hasEventLogs(layout)).toBe(true);
  });

  test('batches hold one sub-run each; a corrupt line ends them after the events before it', async () => {
    const layout = runFolderLayout(join(dir, RUN), RUN);
    const torn: string[] = [];
    const got: number[] = [];
    for await (const b of readRunEventBatches(layout, { onTornLine: (f) => torn.push(f) })) got.push(b.length);
    expect(got).toEqual([2, 1, 1]);
    expect(torn).toEqual([join(dir, RUN, 'subruns', `${RUN}-s05`, 'steps.ldjson')]);
    const id = `${RUN}-s07`;
    mkdirSync(join(dir, RUN, 'subruns', id));
    writeFileSync(join(dir, RUN, 'subruns', id, 'steps.ldjson'), '{"event":"step_start"}\nnot json\n{"event":"step_end"}\n');
    const seen: unknown[] = [];
    await expect((async () => {
      for await (const e of readRunEvents(runFolderLayout(join(dir, RUN), RUN))) seen.push(e.event);
    })()).rejects.toThrow(/s07\/steps\.ldjson:2: corrupt event line/);
    expect(seen.slice(-1)).toEqual(['step_start']);
  });
});

// A FIFO where a log should be must never block the reader (mkfifo is in coreutils, on every host).
function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

test('subrun_status: from the run summary once it lists the sub-run ended, else from the sub-run\'s own summary', async () => {
  const { exportRun } = await import('../../src/report/export.js');
  const { makeWorkspace, removeWorkspace, writeRun } = await import('./builders.js');
  const { readFile, writeFile } = await import('node:fs/promises');
  const root = await makeWorkspace();
  try {
    const { runId, dir: runDir, subrunDirs } = await writeRun(root, {
      axes: [{ name: 'vcore_mv', values: [900, 1000, 1100] }],
      subruns: [900, 1000, 1100].map((v) => ({ point: { vcore_mv: v }, status: 'passed' as const, steps: [{ status: 'passed' as const, step_id: 'cpu' }] })),
    });
    // The run summary says s00 failed (it is what the executor and recover write there), still
    // lists s01 as planned (a run under way) and leaves out s02: those two come from their own summaries.
    const summaryPath = join(runDir, 'summary.json');
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as { subruns: { id: string; status: string }[] };
    summary.subruns[0]!.status = 'failed';
    summary.subruns[1]!.status = 'planned';
    summary.subruns.pop();
    await writeFile(summaryPath, JSON.stringify(summary, null, 2));
    const own = join(subrunDirs[2]!, 'summary.json');
    await writeFile(own, JSON.stringify({ ...JSON.parse(await readFile(own, 'utf8')) as object, status: 'marginal' }));
    const text = await collect(async (out) => {
      await exportRun(root, runId, 'json', out);
    });
    expect((JSON.parse(text) as { subrun_status: string }[]).map((r) => r.subrun_status)).toEqual(['failed', 'passed', 'marginal']);
  } finally {
    await removeWorkspace(root);
  }
});
