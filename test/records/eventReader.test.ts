import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { CorruptEventLogError, readEvents, readEventsSync } from '../../src/records/eventReader.js';
import { RrError } from '../../src/errors.js';
import { makeTempDir, removeTempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeTempDir(dir);
});

async function collect(path: string, onTornLine?: (t: string) => void): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const e of readEvents(path, { onTornLine })) out.push(e);
  return out;
}

// Writes `count` event lines through a stream (the test itself keeps memory bounded), with an optional tail.
async function writeBigLog(path: string, count: number, lineAt: (i: number) => string, tail = ''): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${lineAt(i)}\n`)) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
}

const eventLine = (i: number) => JSON.stringify({ ts: '2024-02-01T10:00:00.000Z', event: i % 2 ? 'step_end' : 'step_start', i, status: 'passed' });

describe('readEvents', () => {
  it('streams 100,000 events and skips a torn last line, reporting it', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeBigLog(path, 100_000, eventLine, '{"ts":"2024-02-01T10:00:00.000Z","event":"step_e');
    const torn: string[] = [];
    let count = 0;
    let expected = 0;
    for await (const e of readEvents(path, { onTornLine: (t) => torn.push(t) })) {
      if (e.i !== expected) throw new Error(`event ${count} has i=${String(e.i)}`);
      expected += 1;
      count += 1;
    }
    expect(count).toBe(100_000);
    expect(torn).toEqual(['{"ts":"2024-02-01T10:00:00.000Z","event":"step_e']);
  });

  it('throws naming the file and line for a corrupt middle line, after yielding the events before it', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeBigLog(path, 100_000, (i) => (i === 73_210 ? '{"ts":"x","event":"step_end","status":' : eventLine(i)));
    let seen = 0;
    let caught: unknown;
    try {
      for await (const _ of readEvents(path)) seen += 1;
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CorruptEventLogError);
    const err = caught as CorruptEventLogError;
    expect(err.line).toBe(73_211);
    expect(err.message).toContain(`${path}:73211:`);
    expect(err.exitCode).toBe(2);
    expect(seen).toBe(73_210);
  });

  it('treats a corrupt line that ends with a newline as corruption, not as torn', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, `${eventLine(0)}\n{"event":\n`);
    await expect(collect(path)).rejects.toThrow(`${path}:2:`);
  });

  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[1,2]'],
    ['a string', '"step_start"'],
    ['white space', '   '],
  ])('rejects a middle line that is %s', async (_what, line) => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, `${eventLine(0)}\n${eventLine(1)}\n${line}\n${eventLine(3)}\n`);
    await expect(collect(path)).rejects.toThrow(`${path}:3:`);
  });

  it('skips empty lines and CRLF endings without losing line numbers', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, `${eventLine(0)}\r\n\n${eventLine(1)}\n\r\n{bad}\n`);
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const e of readEvents(path)) seen.push(e.i);
      })(),
    ).rejects.toThrow(`${path}:5:`);
    expect(seen).toEqual([0, 1]);
  });

  it('keeps a whole final event that only lacks its newline', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, `${eventLine(0)}\n${eventLine(1)}`);
    const torn: string[] = [];
    const events = await collect(path, (t) => torn.push(t));
    expect(events.map((e) => e.i)).toEqual([0, 1]);
    expect(torn).toEqual([]);
  });

  it('reads events longer than a read chunk, and multi-byte text split across chunks', async () => {
    const path = join(dir, 'steps.ldjson');
    const big = 'é€😀'.repeat(60_000);
    await writeFile(path, `${eventLine(0)}\n${JSON.stringify({ event: 'step_end', error: big })}\n${eventLine(2)}\n`);
    const events = await collect(path);
    expect(events).toHaveLength(3);
    expect(events[1]?.error).toBe(big);
    expect(events[2]?.i).toBe(2);
  });

  it('reads an empty file as no events', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeFile(path, '');
    expect(await collect(path)).toEqual([]);
  });

  it('says clearly when the file is missing', async () => {
    const path = join(dir, 'nope.ldjson');
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RrError);
    expect((err as Error).message).toBe(`event log not found: ${path}`);
  });

  it('stops reading when the consumer stops early', async () => {
    const path = join(dir, 'steps.ldjson');
    await writeBigLog(path, 50_000, (i) => (i === 40_000 ? 'corrupt' : eventLine(i)));
    const first: unknown[] = [];
    for await (const e of readEvents(path)) {
      first.push(e.i);
      if (first.length === 3) break;
    }
    expect(first).toEqual([0, 1, 2]);
  });
});

describe('readEventsSync', () => {
  it('gives what readEvents gives: whole lines, \\r\\n, a whole last line, a torn one skipped and told', async () => {
    for (const [name, text] of [
      ['torn', '{"a":1}\r\n\n{"b":2}\n{"c":'],
      ['whole-last', '{"a":1}\n{"b":2}'],
      ['empty', ''],
    ] as const) {
      const file = join(dir, `${name}.ldjson`);
      await writeFile(file, text);
      const tornAsync: string[] = [];
      const tornSync: string[] = [];
      const expected = await collect(file, (t) => tornAsync.push(t));
      expect(readEventsSync(file, { onTornLine: (t) => tornSync.push(t) })).toEqual(expected);
      expect(tornSync).toEqual(tornAsync);
    }
    const bad = join(dir, 'bad.ldjson');
    await writeFile(bad, '{"a":1}\nnot json\n{"b":2}\n');
    expect(() => readEventsSync(bad)).toThrow(CorruptEventLogError);
    expect(() => readEventsSync(bad)).toThrow(/bad.ldjson:2: corrupt event line/);
  });
});
