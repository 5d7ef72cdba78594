import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKmsg, type KmsgReader } from '../../src/health/kmsgReader.js';

let dir: string;
let reader: KmsgReader | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-kmsg-'));
});
afterEach(() => {
  reader?.close();
  reader = null;
  rmSync(dir, { recursive: true, force: true });
});

const limits = { maxBytes: 4 * 1024 * 1024, maxMs: 5000, maxLines: 3 };

describe('kernel log reader (a regular file in the /dev/kmsg format)', () => {
  it('skips what was there at the first drain, then returns only newer hardware-error records', () => {
    const file = path.join(dir, 'kmsg');
    writeFileSync(file, '4,1,10,-;mce: [Hardware Error]: old event\n6,2,20,-;boot\n');
    reader = openKmsg(file);
    const first = reader.drain(limits);
    expect(first).toMatchObject({ matched: 1, lastSeq: 2, truncated: false, lost: false });
    appendFileSync(file, '6,3,30,-;eth0 link up\n3,4,40,-;EDAC MC0: 1 CE error on DIMM_A1\n SUBSYSTEM=edac\n');
    const second = reader.drain(limits);
    expect(second).toMatchObject({ matched: 1, lastSeq: 4, lines: ['[0.000040] EDAC MC0: 1 CE error on DIMM_A1'], truncated: false });
    expect(reader.drain(limits)).toMatchObject({ matched: 0, lines: [], lastSeq: 4 });
  });

  it('keeps a record written halfway until its end of line arrives', () => {
    const file = path.join(dir, 'kmsg');
    writeFileSync(file, '3,1,10,-;mce: [Hardware');
    reader = openKmsg(file);
    expect(reader.drain(limits)).toMatchObject({ matched: 0, lastSeq: null });
    appendFileSync(file, ' Error]: Machine check\n');
    expect(reader.drain(limits)).toMatchObject({ matched: 1, lines: ['[0.000010] mce: [Hardware Error]: Machine check'], lastSeq: 1 });
  });

  it('counts every match but keeps at most maxLines, and notices a jump in sequence numbers', () => {
    const file = path.join(dir, 'kmsg');
    writeFileSync(file, '6,1,1,-;start\n');
    reader = openKmsg(file);
    reader.drain(limits);
    appendFileSync(file, Array.from({ length: 10 }, (_, i) => `3,${i + 5},${i},-;EDAC MC0: CE #${i}\n`).join(''));
    const r = reader.drain(limits);
    expect(r.matched).toBe(10);
    expect(r.lines).toHaveLength(3);
    expect(r.lost).toBe(true);
  });

  it('a flood is read in bounded slices: each drain stops at its byte bound, and the next goes on from there', () => {
    const file = path.join(dir, 'kmsg');
    const line = (seq: number) => `3,${seq},${seq},-;mce: [Hardware Error]: flood record ${'x'.repeat(80)}\n`;
    const lines: string[] = [];
    for (let seq = 1; seq <= 100_000; seq++) lines.push(line(seq)); // about 12 MiB
    writeFileSync(file, lines.join(''));
    reader = openKmsg(file);
    const started = performance.now();
    const r = reader.drain({ maxBytes: 1024 * 1024, maxMs: 5000, maxLines: 20 });
    const ms = performance.now() - started;
    expect(r.truncated).toBe(true);
    expect(r.lines).toHaveLength(20);
    expect(r.matched).toBeGreaterThan(5000);
    expect(r.matched).toBeLessThan(20_000);
    expect(ms).toBeLessThan(2000);
    const next = reader.drain({ maxBytes: 1024 * 1024, maxMs: 5000, maxLines: 20 });
    expect(next.lastSeq!).toBeGreaterThan(r.lastSeq!);
    expect(next.lost).toBe(false);
  });

  it('a drain also stops at its time bound', () => {
    const file = path.join(dir, 'kmsg');
    writeFileSync(file, '6,1,1,-;a\n'.repeat(100_000));
    let t = 0;
    reader = openKmsg(file, () => (t += 10));
    const r = reader.drain({ maxBytes: 1 << 30, maxMs: 25, maxLines: 20 });
    expect(r.truncated).toBe(true);
  });

  it('throws the system error when the source cannot be opened', () => {
    expect(() => openKmsg(path.join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});

describe('the real /dev/kmsg (read only, where this user may)', () => {
  let readable = true;
  try {
    openKmsg('/dev/kmsg').close();
  } catch {
    readable = false;
  }
  it.skipIf(!readable)('is read to its end without blocking, and a second drain finds nothing older', () => {
    reader = openKmsg('/dev/kmsg');
    const started = performance.now();
    const first = reader.drain(limits);
    const second = reader.drain(limits);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(first.lastSeq).not.toBeNull();
    expect(second.lastSeq!).toBeGreaterThanOrEqual(first.lastSeq!);
  });
});
