import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { copyInputs, sha256File } from '../../src/records/inputs.js';
import { makeTempDir, removeTempDir } from './helpers.js';

let dir: string;
let root: string;
let elsewhere: string;
let dest: string;
beforeEach(async () => {
  dir = await makeTempDir();
  root = join(dir, 'ws');
  elsewhere = join(dir, 'elsewhere');
  dest = join(dir, 'runs', 'rr-x', 'inputs');
  for (const d of [join(root, 'flows'), join(root, 'policy', 'profiles'), join(elsewhere, 'a'), join(elsewhere, 'b')]) {
    mkdirSync(d, { recursive: true });
  }
});
afterEach(async () => {
  await removeTempDir(dir);
});

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

// Every byte value, CR/LF pairs, a NUL run and invalid UTF-8: anything a text copy would change.
function binaryish(): Buffer {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return Buffer.concat([all, Buffer.from('\r\n\n\r\u00e9'), Buffer.alloc(1000), Buffer.from([0xff, 0xfe, 0xc3]), all.reverse()]);
}

describe('copyInputs', () => {
  it('copies bytes exactly, keeping workspace-relative paths, with hashes and sizes', async () => {
    const bin = binaryish();
    writeFileSync(join(root, 'flows', 'smoke.yaml'), bin);
    writeFileSync(join(root, 'policy', 'profiles', 'x.yaml'), 'name: x\n');
    const copied = await copyInputs(root, ['flows/smoke.yaml', join(root, 'policy/profiles/x.yaml')], dest);
    expect(copied).toEqual([
      { path: 'flows/smoke.yaml', source: join(root, 'flows/smoke.yaml'), sha256: sha(bin), bytes: bin.length },
      { path: 'policy/profiles/x.yaml', source: join(root, 'policy/profiles/x.yaml'), sha256: sha('name: x\n'), bytes: 8 },
    ]);
    expect(readFileSync(join(dest, 'flows', 'smoke.yaml')).equals(bin)).toBe(true);
    expect(readFileSync(join(dest, 'policy', 'profiles', 'x.yaml'), 'utf8')).toBe('name: x\n');
  });

  it('puts files outside the root under _external/, never above destDir', async () => {
    writeFileSync(join(elsewhere, 'a', 'lab.yaml'), 'a');
    writeFileSync(join(elsewhere, 'b', 'lab.yaml'), 'b');
    writeFileSync(join(elsewhere, 'b', 'README'), 'c');
    const copied = await copyInputs(root, ['../elsewhere/a/lab.yaml', join(elsewhere, 'b', 'lab.yaml'), join(elsewhere, 'b', 'README')], dest);
    expect(copied.map((c) => c.path)).toEqual(['_external/lab.yaml', '_external/lab-2.yaml', '_external/README']);
    expect(readFileSync(join(dest, '_external', 'lab.yaml'), 'utf8')).toBe('a');
    expect(readFileSync(join(dest, '_external', 'lab-2.yaml'), 'utf8')).toBe('b');
    expect(readFileSync(join(dest, '_external', 'README'), 'utf8')).toBe('c');
  });

  it('copies a file listed twice once', async () => {
    writeFileSync(join(root, 'flows', 'f.yaml'), 'f');
    const copied = await copyInputs(root, ['flows/f.yaml', join(root, 'flows', 'f.yaml'), './flows/../flows/f.yaml'], dest);
    expect(copied).toHaveLength(1);
  });

  it('fails on a missing input rather than recording nothing', async () => {
    await expect(copyInputs(root, ['flows/missing.yaml'], dest)).rejects.toThrow(/ENOENT/);
  });

  it('never overwrites an existing copy', async () => {
    writeFileSync(join(root, 'flows', 'f.yaml'), 'f');
    await copyInputs(root, ['flows/f.yaml'], dest);
    await expect(copyInputs(root, ['flows/f.yaml'], dest)).rejects.toThrow(/EEXIST/);
  });
});

describe('sha256File', () => {
  it('hashes a file larger than one read chunk', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    big[12345] = 1;
    writeFileSync(join(dir, 'big.bin'), big);
    expect(await sha256File(join(dir, 'big.bin'))).toBe(sha(big));
    expect(await sha256File(join(dir, 'big.bin'))).not.toBe(sha(Buffer.alloc(big.length, 7)));
  });
});
