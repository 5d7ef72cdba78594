// readTail reads only the end of a log: the last lines of a large file, short files, files
// without a final newline, very long lines, and missing files.

import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { readTail, readTailSync } from '../../src/report/tail.js';
import { makeWorkspace, removeWorkspace } from './builders.js';

let dir: string;
beforeEach(async () => {
  dir = await makeWorkspace();
});
afterEach(async () => {
  await removeWorkspace(dir);
});

test('the last 20 lines of a 64 MiB log (a sparse file: only its end has data)', async () => {
  const path = join(dir, 'big.log');
  const handle = await open(path, 'w');
  const end = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  await handle.write(end, 64 * 1024 * 1024);
  await handle.close();
  const tail = await readTail(path, { maxLines: 20 });
  expect(tail.lines).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
  expect(tail.truncated).toBe(true);
  expect(tail.size).toBe(64 * 1024 * 1024 + end.length);
});

test('a short file, with and without a final newline', async () => {
  await writeFile(join(dir, 'a.log'), 'one\ntwo\r\nthree\n');
  await writeFile(join(dir, 'b.log'), 'one\ntwo');
  expect(await readTail(join(dir, 'a.log'))).toMatchObject({ lines: ['one', 'two', 'three'], truncated: false, missing: false });
  expect((await readTail(join(dir, 'b.log'))).lines).toEqual(['one', 'two']);
  await writeFile(join(dir, 'empty.log'), '');
  expect(await readTail(join(dir, 'empty.log'))).toMatchObject({ lines: [], missing: false });
});

test('long lines are cut and the byte budget is kept', async () => {
  await writeFile(join(dir, 'long.log'), `${'x'.repeat(200_000)}\nlast\n`);
  await writeFile(join(dir, 'wide.log'), `${'y'.repeat(300)}\nend\n`);
  expect((await readTail(join(dir, 'wide.log'), { maxLineChars: 100 })).lines).toEqual([`${'y'.repeat(100)}…`, 'end']);
  const tail = await readTail(join(dir, 'long.log'), { maxBytes: 16 * 1024, maxLineChars: 100 });
  expect(tail.lines).toHaveLength(2);
  expect(tail.lines[0]).toBe(`…${'x'.repeat(100)}`);
  expect(tail.lines[1]).toBe('last');
  expect(tail.truncated).toBe(true);
});

test('a missing file says so instead of throwing', async () => {
  expect(await readTail(join(dir, 'nope.log'))).toMatchObject({ missing: true, reason: 'no such file', lines: [] });
});

test('readTailSync gives what readTail gives, for every shape of log', async () => {
  const cases: Record<string, string> = {
    'empty.log': '',
    'short.log': 'one\ntwo\r\nthree\n',
    'open.log': 'one\ntwo',
    'long-line.log': `${'x'.repeat(200_000)}\nlast\n`,
    'many.log': Array.from({ length: 5000 }, (_, i) => `line ${i} ${'y'.repeat(i % 37)}`).join('\n') + '\n',
    'blocks.log': Array.from({ length: 40 }, (_, i) => `${i}:${'z'.repeat(900)}`).join('\n'),
  };
  for (const [name, text] of Object.entries(cases)) await writeFile(join(dir, name), text);
  const paths = [...Object.keys(cases).map((n) => join(dir, n)), join(dir, 'missing.log'), dir];
  for (const path of paths) {
    for (const options of [{}, { maxLines: 3, maxBytes: 10_000 }, { maxLines: 30, maxBytes: 20_000, maxLineChars: 50 }, { maxLines: 1000, maxBytes: 1 << 20 }]) {
      expect(readTailSync(path, options), `${path} ${JSON.stringify(options)}`).toEqual(await readTail(path, options));
    }
  }
});
