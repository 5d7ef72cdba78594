import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { RrError } from '../../src/errors.js';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../src/records/jsonFile.js';
import { locateJsonError, positionAt } from '../../src/records/jsonPosition.js';
import { makeTempDir, removeTempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeTempDir(dir);
});

function readError(path: string, what = 'plan'): RrError {
  try {
    readJsonFile(path, what);
  } catch (err) {
    if (err instanceof RrError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('writeJsonAtomic', () => {
  it('writes pretty JSON with 2 spaces and a trailing newline, leaving no temp file', () => {
    const path = join(dir, 'summary.json');
    writeJsonAtomic(path, { run_id: 'r', counts: { passed: 1 }, subruns: [] });
    expect(readFileSync(path, 'utf8')).toBe('{\n  "run_id": "r",\n  "counts": {\n    "passed": 1\n  },\n  "subruns": []\n}\n');
    writeJsonAtomic(path, { run_id: 'r2' });
    expect(readJsonFile(path, 'summary')).toEqual({ run_id: 'r2' });
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });

  it('fails without touching the old file when the folder is missing', () => {
    expect(() => writeJsonAtomic(join(dir, 'nope', 'x.json'), {})).toThrow(/ENOENT/);
  });

  it('refuses values that are not JSON', () => {
    expect(() => writeJsonAtomic(join(dir, 'x.json'), undefined)).toThrow(TypeError);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, leaving no temp file, and never writes through a missing folder', () => {
    const path = join(dir, 'report.md');
    writeFileSync(path, 'old report\n');
    writeFileAtomic(path, '# new report\n');
    expect(readFileSync(path, 'utf8')).toBe('# new report\n');
    writeFileAtomic(path, Buffer.from('bytes'));
    expect(readFileSync(path, 'utf8')).toBe('bytes');
    expect(readdirSync(dir)).toEqual(['report.md']);
    expect(() => writeFileAtomic(join(dir, 'nope', 'report.md'), 'x')).toThrow(/ENOENT/);
  });
});

describe('readJsonFile', () => {
  it('says the file is missing, exit 2', () => {
    const path = join(dir, 'plan.json');
    const err = readError(path);
    expect(err.message).toBe(`plan not found: ${path}`);
    expect(err.exitCode).toBe(2);
  });

  it('says a folder cannot be read', () => {
    mkdirSync(join(dir, 'plan.json'));
    expect(readError(join(dir, 'plan.json')).message).toMatch(/plan cannot be read: .*is a folder/);
  });

  it('points at the line and column of a syntax error', () => {
    const path = join(dir, 'plan.json');
    writeFileSync(path, '{\n  "run_id": "r",\n  "seed": }\n');
    expect(readError(path).message).toMatch(new RegExp(`^plan is not valid JSON: ${path}:3:11: `));
    writeFileSync(path, '{\n  "a": 1\n  "b": 2\n}');
    expect(readError(path).message).toContain(`${path}:3:3: `);
  });

  it('points past the end of a truncated file, and names an empty one', () => {
    const path = join(dir, 'summary.json');
    writeFileSync(path, '{\n  "run_id": "r",\n  "counts": {');
    expect(readError(path, 'summary').message).toContain(`${path}:3:14: `);
    writeFileSync(path, '  \n');
    expect(readError(path, 'summary').message).toBe(`summary is empty: ${path}`);
  });

  it('carries no stack trace into the message', () => {
    const path = join(dir, 'plan.json');
    writeFileSync(path, '[1,,2]');
    const err = readError(path);
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.message).toContain(`${path}:1:4`);
  });
});

describe('locateJsonError', () => {
  it('finds nothing wrong in valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        expect(locateJsonError(JSON.stringify(value, null, pretty ? 2 : 0))).toBeNull();
      }),
    );
  });

  it('agrees with JSON.parse on where a cut-short document ends', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, cutAt) => {
        const text = JSON.stringify(value, null, 2);
        const cut = text.slice(0, cutAt % (text.length + 1));
        let isValid = true;
        try {
          JSON.parse(cut);
        } catch {
          isValid = false;
        }
        expect(locateJsonError(cut) === null).toBe(isValid);
      }),
    );
  });

  it.each([
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['[01]', 2],
    ['"tab\there"', 4],
    ['"\\x"', 1],
    ['{"a":tru}', 5],
    ['1 2', 2],
  ])('locates the mistake in %j', (text, offset) => {
    expect(locateJsonError(text)?.offset).toBe(offset);
  });

  it('converts offsets to 1-based line and column', () => {
    expect(positionAt('ab\ncd\n', 4)).toEqual({ offset: 4, line: 2, col: 2 });
    expect(positionAt('ab', 0)).toEqual({ offset: 0, line: 1, col: 1 });
  });
});
