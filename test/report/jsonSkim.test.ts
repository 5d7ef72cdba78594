// readJsonSkimmed parses a record while leaving out bulky top-level values.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { RrError } from '../../src/errors.js';
import { readJsonSkimmed } from '../../src/report/jsonSkim.js';
import { makeWorkspace, removeWorkspace } from './builders.js';

let dir: string;
beforeEach(async () => {
  dir = await makeWorkspace();
});
afterEach(async () => {
  await removeWorkspace(dir);
});

test('skipped keys read as null, everything else as JSON.parse reads it (any content, any indentation)', async () => {
  const path = join(dir, 'x.json');
  await fc.assert(fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue(), fc.constantFrom(0, 2), fc.constantFrom(1, 2, 3, 7, 64 * 1024), async (rest, bulk, indent, chunkBytes) => {
    const doc = { ...rest, subruns: bulk, 'sub"runs': bulk, tricky: 'a\\"b\\\\' };
    await writeFile(path, JSON.stringify(doc, null, indent));
    const got = await readJsonSkimmed(path, 'test', ['subruns'], chunkBytes);
    expect(got).toEqual({ ...JSON.parse(JSON.stringify(doc)), subruns: null });
  }), { numRuns: 300 });
});

test('a damaged file is an RrError naming line and column', async () => {
  const path = join(dir, 'bad.json');
  await writeFile(path, '{\n  "a": 1,\n  "subruns": [1, 2,\n');
  const err = await readJsonSkimmed(path, 'plan of run X', ['subruns']).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RrError);
  expect((err as RrError).message).toMatch(/plan of run X is not valid JSON: .*bad\.json:\d+:\d+/);
  const missing = await readJsonSkimmed(join(dir, 'none.json'), 'plan of run X', []).catch((e: unknown) => e);
  expect((missing as RrError).message).toMatch(/plan of run X not found/);
});
