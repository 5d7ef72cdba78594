// The dashboard's pure parts and its log reader, with real files in a temp folder: options
// (loopback, token rules), the token check, dot-segment refusal, and RunTail — appended bytes
// only, a torn line waits for its newline, counts and checkpoints, pages read from a checkpoint.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { hasDotSegment } from '../../src/serve/app.js';
import { readBearer, tokenMatches } from '../../src/serve/auth.js';
import { isLoopback, resolveServeOptions } from '../../src/serve/options.js';
import { CHECKPOINT_EVERY, RunTail, readStepWindow } from '../../src/serve/runTail.js';
import { findRun, findStepLog, findSubrun } from '../../src/serve/runEntries.js';

const RUN = 'rr-20260101T000000Z-0a0b0c';
const sub = (i: number) => `${RUN}-s${String(i).padStart(2, '0')}`;
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function makeRun(): { root: string; dir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'rr-serve-unit-'));
  dirs.push(root);
  const dir = path.join(root, 'runs', RUN);
  mkdirSync(path.join(dir, 'subruns'), { recursive: true });
  return { root, dir };
}

const line = (e: object) => `${JSON.stringify(e)}\n`;
const start = (s: number, i: number) => line({ ts: 't', event: 'step_start', subrun_id: sub(s), index: i, step_id: `st${i}`, adapter: 'a', log_name: `0${i}_st${i}.log` });
const end = (s: number, i: number, status = 'passed') => line({ ts: 't', event: 'step_end', subrun_id: sub(s), index: i, step_id: `st${i}`, adapter: 'a', status, exit_code: status === 'passed' ? 0 : 1, duration_ms: 5, metrics: {} });

describe('serve options', () => {
  test('loopback addresses need no token; any other refuses without one', () => {
    expect(isLoopback('127.0.0.1') && isLoopback('127.3.2.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('10.0.0.1') || isLoopback('::')).toBe(false);
    expect(resolveServeOptions({}, {})).toEqual({ bind: '127.0.0.1', port: 8720, token: null });
    expect(() => resolveServeOptions({ bind: '0.0.0.0' }, {})).toThrow(/without a token/);
    expect(() => resolveServeOptions({ bind: '::' }, {})).toThrow(/without a token/);
    expect(resolveServeOptions({ bind: '0.0.0.0' }, { RR_SERVE_TOKEN: 'a'.repeat(16) }).token).toBe('a'.repeat(16));
    expect(() => resolveServeOptions({ token: 'short' }, {})).toThrow(/at least 16/);
    expect(() => resolveServeOptions({ bind: 'example.com' }, {})).toThrow(/not an IP address/);
    expect(() => resolveServeOptions({ port: '70000' }, {})).toThrow(/not a port/);
  });

  test('tokens: only the exact token matches; bearer header parsing', () => {
    expect(tokenMatches('abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true);
    expect(tokenMatches('abcdefghijklmnoq', 'abcdefghijklmnop')).toBe(false);
    expect(tokenMatches('abcdefghijklmnop ', 'abcdefghijklmnop')).toBe(false);
    expect(tokenMatches(undefined, 'abcdefghijklmnop')).toBe(false);
    expect(readBearer('Bearer xyz')).toBe('xyz');
    expect(readBearer('Basic xyz')).toBeNull();
  });

  test('dot segments are seen plain and encoded', () => {
    for (const p of ['/runs/..', '/runs/%2e%2e', '/runs/%2E./x', '/a/./b', '/runs/x%2f..%2fy', '/runs/..?a=1']) expect(hasDotSegment(p), p).toBe(true);
    for (const p of ['/', '/runs/rr-1', '/runs/a..b', '/static/serve.js', '/compare?a=..']) expect(hasDotSegment(p), p).toBe(false);
  });
});

describe('run entries', () => {
  test('only real folders of runs/, real sub-run folders and listed regular log files', () => {
    const { root, dir } = makeRun();
    const s0 = path.join(dir, 'subruns', sub(0));
    mkdirSync(path.join(s0, 'stdout'), { recursive: true });
    writeFileSync(path.join(s0, 'stdout', '00_st0.log'), 'x\n');
    expect(findRun(root, RUN)?.dir).toBe(dir);
    expect(findRun(root, '..')).toBeNull();
    expect(findRun(root, 'rr-20260101T000000Z-ffffff')).toBeNull();
    const run = findRun(root, RUN)!;
    expect(findSubrun(run, sub(0))?.dir).toBe(s0);
    expect(findSubrun(run, sub(1))).toBeNull();
    expect(findSubrun(run, 'rr-20990101T000000Z-0a0b0c-s00')).toBeNull();
    expect(findStepLog(s0, 'stdout', '00_st0.log')).toBe(path.join(s0, 'stdout', '00_st0.log'));
    expect(findStepLog(s0, 'stderr', '00_st0.log')).toBeNull();
    expect(findStepLog(s0, 'stdout', '../summary.json')).toBeNull();
  });
});

describe('RunTail', () => {
  test('reads only what was appended; a torn last line waits for its newline', async () => {
    const { dir } = makeRun();
    mkdirSync(path.join(dir, 'subruns', sub(0)));
    const log = path.join(dir, 'subruns', sub(0), 'steps.ldjson');
    writeFileSync(log, start(0, 0) + end(0, 0));
    const tail = new RunTail(dir, RUN);
    expect(await tail.poll()).toHaveLength(1);
    expect(tail.total).toBe(1);
    const torn = end(0, 1, 'failed');
    appendFileSync(log, start(0, 1) + torn.slice(0, 20));
    expect(await tail.poll()).toHaveLength(0);
    expect(tail.running).toEqual({ subrun_id: sub(0), index: 1, step_id: 'st1' });
    appendFileSync(log, torn.slice(20));
    const ended = await tail.poll();
    expect(ended.map((r) => r.status)).toEqual(['failed']);
    expect(tail.counts).toMatchObject({ passed: 1, failed: 1 });
    expect(tail.bySubrun.get(sub(0))).toMatchObject({ worst: 'failed', steps: 2 });
    // A new sub-run folder is found; nothing is counted twice.
    mkdirSync(path.join(dir, 'subruns', sub(1)));
    writeFileSync(path.join(dir, 'subruns', sub(1), 'steps.ldjson'), start(1, 0) + end(1, 0));
    await new Promise((r) => setTimeout(r, 20));
    await tail.poll();
    expect(tail.total).toBe(3);
    await tail.poll();
    expect(tail.total).toBe(3);
  });

  test('an event log that is a symlink (pointing out of the run) is not read', async () => {
    const { root, dir } = makeRun();
    const outside = path.join(root, 'outside.ldjson');
    writeFileSync(outside, start(0, 0) + end(0, 0));
    mkdirSync(path.join(dir, 'subruns', sub(0)));
    symlinkSync(outside, path.join(dir, 'subruns', sub(0), 'steps.ldjson'));
    const tail = new RunTail(dir, RUN);
    await tail.poll();
    expect(tail.total).toBe(0);
    expect(await readStepWindow(tail, { start: 0, count: 10 })).toEqual([]);
  });

  test('pages deep in a long run are read from the nearest checkpoint, with their log names', async () => {
    const { dir } = makeRun();
    const perSub = 250;
    const subs = 10;
    for (let s = 0; s < subs; s++) {
      mkdirSync(path.join(dir, 'subruns', sub(s)));
      let text = '';
      for (let i = 0; i < perSub; i++) text += start(s, i) + end(s, i, i % 50 === 0 ? 'failed' : 'passed');
      writeFileSync(path.join(dir, 'subruns', sub(s), 'steps.ldjson'), text);
    }
    const tail = new RunTail(dir, RUN);
    await tail.poll();
    expect(tail.total).toBe(perSub * subs);
    expect(tail.checkpoints.length).toBe(1 + Math.floor((perSub * subs) / CHECKPOINT_EVERY));
    const page = await readStepWindow(tail, { start: 1234, count: 3 });
    expect(page.map((r) => [r.subrun_id, r.index, r.log_name])).toEqual([234, 235, 236].map((i) => [sub(4), i, `0${i}_st${i}.log`]));
    const one = await readStepWindow(tail, { start: 0, count: 1000, subrun: sub(7) });
    expect(one).toHaveLength(perSub);
    expect(one.every((r) => r.subrun_id === sub(7))).toBe(true);
    // Before a first full read, page 0 lists the logs itself.
    const fresh = new RunTail(dir, RUN);
    expect((await readStepWindow(fresh, { start: 0, count: 2 })).map((r) => r.index)).toEqual([0, 1]);
  });
});
