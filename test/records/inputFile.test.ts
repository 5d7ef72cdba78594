// The hostile-input reader on real files: type, size, encoding and symlink rules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstInvalidUtf8, readInputFile } from '../../src/records/inputFile.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-input-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('firstInvalidUtf8', () => {
  it.each([
    ['valid ASCII and multi-byte text', Buffer.from('a: café ✓ 𝄞\n'), null],
    ['a Latin-1 byte', Buffer.from([0x61, 0xe9, 0x62]), 1],
    ['an overlong slash', Buffer.from([0x61, 0xc0, 0xaf]), 1],
    ['an encoded surrogate', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 2],
    ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a sequence cut at the end', Buffer.from([0x61, 0xe2, 0x9c]), 1],
    ['a lone continuation byte', Buffer.from([0x80]), 0],
  ])('%s', (_label, bytes, expected) => {
    expect(firstInvalidUtf8(bytes)).toBe(expected);
  });
});

describe('readInputFile', () => {
  const limit = { limitBytes: 16 };

  it('reads a regular file up to the limit and refuses one byte more', () => {
    const file = path.join(dir, 'a.yaml');
    writeFileSync(file, 'x'.repeat(16));
    expect(readInputFile(file, limit).file?.text).toBe('x'.repeat(16));
    writeFileSync(file, 'x'.repeat(17));
    expect(readInputFile(file, limit).problem?.message).toBe('is larger than the limit of 16 bytes');
  });

  it('refuses a FIFO without blocking, a device and a folder', () => {
    const fifo = path.join(dir, 'p.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(readInputFile(fifo, limit).problem?.message).toBe('is a FIFO (named pipe), not a regular file');
    expect(readInputFile('/dev/zero', limit).problem?.message).toBe('is a character device, not a regular file');
    expect(readInputFile(dir, limit).problem?.message).toBe('is a folder, not a regular file');
  });

  it('follows a symlink inside the given folder only, and names the target of one that leaves it', () => {
    const inside = path.join(dir, 'ws');
    mkdirSync(path.join(inside, 'real'), { recursive: true });
    writeFileSync(path.join(inside, 'real/f.yaml'), 'a: 1\n');
    writeFileSync(path.join(dir, 'secret.yaml'), 'b: 2\n');
    symlinkSync('real/f.yaml', path.join(inside, 'in.yaml'));
    symlinkSync(path.join(dir, 'secret.yaml'), path.join(inside, 'out.yaml'));
    symlinkSync('missing.yaml', path.join(inside, 'dangling.yaml'));
    expect(readInputFile(path.join(inside, 'in.yaml'), { ...limit, linksWithin: inside }).file?.text).toBe('a: 1\n');
    expect(readInputFile(path.join(inside, 'out.yaml'), { ...limit, linksWithin: inside }).problem?.message)
      .toBe(`is a symlink to ${path.join(dir, 'secret.yaml')}, outside the workspace ${inside}`);
    expect(readInputFile(path.join(inside, 'dangling.yaml'), { ...limit, linksWithin: inside }).problem?.message).toMatch(/symlink that leads nowhere/);
  });

  it('names line, column and offset of the first byte that is not UTF-8', () => {
    const file = path.join(dir, 'l.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('a: 1\nb: é'), Buffer.from([0xff])]));
    const p = readInputFile(file, { limitBytes: 100 }).problem;
    expect(p).toMatchObject({ line: 2, col: 5, message: 'is not valid UTF-8: byte 0xff at offset 10' });
  });
});
