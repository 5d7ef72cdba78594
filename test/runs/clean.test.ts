import { execFileSync } from 'node:child_process';
import { existsSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RrError, UsageError } from '../../src/errors.js';
import { applyClean, parseOlderThan, planClean } from '../../src/runs/clean.js';
import { formatBytes, measureTree } from '../../src/runs/treeSize.js';
import { makeRunId, makeWorkspace, removeWorkspace, sampleSteps, writeRun } from './builders.js';

const NOW = new Date('2024-03-01T12:00:00Z');
const DAY = 24 * 3600 * 1000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

let root: string;
let runs: string;
let outside: string;

beforeEach(() => {
  root = makeWorkspace();
  runs = join(root, 'runs');
  outside = mkdtempSync(join(tmpdir(), 'rr-outside-'));
});
afterEach(() => {
  removeWorkspace(root);
  rmSync(outside, { recursive: true, force: true });
});

function addRun(ageDays: number, hex: string): string {
  const start = daysAgo(ageDays);
  const runId = makeRunId(start, hex);
  writeRun(root, { runId, startedAt: start.toISOString(), subruns: [{ point: { vcore_mv: 900 }, status: 'passed', steps: sampleSteps('passed') }] });
  return runId;
}

function holdLock(runId: string, pid = process.pid): void {
  mkdirSync(join(runs, '.lock'));
  writeFileSync(join(runs, '.lock-owner.json'), JSON.stringify({ run_id: runId, pid, hostname: hostname(), started_at: NOW.toISOString(), pid_start_time: null }));
}

// A pid that certainly belongs to no live process: a child that has already exited.
function deadPid(): number {
  const out = execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('clean', () => {
  it('removes old runs, keeps recent ones and the locked one, and reports the space freed', () => {
    const old = addRun(40, 'aaaaa1');
    const locked = addRun(35, 'aaaaa2');
    const recent = addRun(1, 'aaaaa3');
    holdLock(locked);
    const oldSize = measureTree(join(runs, old)).bytes;
    const plan = planClean(runs, 30, NOW);
    expect(plan.remove.map((c) => c.id)).toEqual([old]);
    expect(plan.kept).toEqual([expect.objectContaining({ id: locked, reason: expect.stringContaining('run lock') })]);
    expect(plan.recent).toBe(1);
    const result = applyClean(runs, plan, { dryRun: false });
    expect(result.removed.map((c) => c.id)).toEqual([old]);
    expect(result.freed_bytes).toBe(oldSize);
    expect(oldSize).toBeGreaterThan(1000);
    expect(existsSync(join(runs, old))).toBe(false);
    expect(existsSync(join(runs, locked, 'summary.json'))).toBe(true);
    expect(existsSync(join(runs, recent, 'summary.json'))).toBe(true);
    expect(existsSync(join(runs, '.lock'))).toBe(true);
  });

  it('keeps a run that took the lock after the plan was made', () => {
    const old = addRun(40, 'aaaaa4');
    const plan = planClean(runs, 30, NOW);
    expect(plan.remove.map((c) => c.id)).toEqual([old]);
    holdLock(old);
    const result = applyClean(runs, plan, { dryRun: false });
    expect(result.removed).toEqual([]);
    expect(result.kept.map((k) => k.id)).toEqual([old]);
    expect(existsSync(join(runs, old, 'summary.json'))).toBe(true);
  });

  it('keeps a locked run even with --older-than 0 and when the lock owner is gone', () => {
    const locked = addRun(10, 'bbbbb1');
    holdLock(locked, deadPid());
    const plan = planClean(runs, 0, NOW);
    expect(plan.remove).toEqual([]);
    expect(plan.kept[0]?.reason).toMatch(/process is gone/);
  });

  it('keeps the run the crash journal names until it is recovered', () => {
    const crashed = addRun(50, 'ccccc1');
    const other = addRun(50, 'ccccc2');
    writeFileSync(join(runs, '.journal.json'), JSON.stringify({
      version: 1, run_id: crashed, pid: deadPid(), pid_start_time: null, subrun_id: null, pgids: [], rails: {}, updated_at: NOW.toISOString(),
    }));
    const result = applyClean(runs, planClean(runs, 30, NOW), { dryRun: false });
    expect(result.removed.map((c) => c.id)).toEqual([other]);
    expect(result.kept).toEqual([expect.objectContaining({ id: crashed, reason: expect.stringMatching(/not recovered/) })]);
    expect(existsSync(join(runs, crashed))).toBe(true);
    expect(existsSync(join(runs, '.journal.json'))).toBe(true);
  });

  it('refuses to clean when the journal is damaged beyond naming its run', () => {
    addRun(50, 'ddddd1');
    writeFileSync(join(runs, '.journal.json'), '{"version": 1, "run_');
    expect(() => planClean(runs, 30, NOW)).toThrow(RrError);
    try {
      planClean(runs, 30, NOW);
    } catch (err) {
      expect((err as RrError).exitCode).toBe(4);
    }
    expect(existsSync(join(runs, makeRunId(daysAgo(50), 'ddddd1')))).toBe(true);
  });

  it('falls back to the folder mtime when summary.json is missing or damaged', () => {
    const missing = addRun(1, 'eeeee1');
    const damaged = addRun(1, 'eeeee2');
    const fresh = addRun(1, 'eeeee3');
    rmSync(join(runs, missing, 'summary.json'));
    writeFileSync(join(runs, damaged, 'summary.json'), '{"run_id": ');
    rmSync(join(runs, fresh, 'summary.json'));
    utimesSync(join(runs, missing), daysAgo(90), daysAgo(90));
    utimesSync(join(runs, damaged), daysAgo(90), daysAgo(90));
    utimesSync(join(runs, fresh), daysAgo(2), daysAgo(2));
    const plan = planClean(runs, 30, NOW);
    expect(plan.remove.map((c) => [c.id, c.start_source])).toEqual([[missing, 'mtime'], [damaged, 'mtime']]);
    expect(plan.recent).toBe(1);
  });

  it('unlinks a run-named symlink that escapes runs/ and leaves its target intact', () => {
    const target = join(outside, 'precious');
    mkdirSync(target);
    writeFileSync(join(target, 'data.bin'), 'keep me');
    const linkId = makeRunId(daysAgo(60), 'fffff1');
    symlinkSync(target, join(runs, linkId));
    lutimesSync(join(runs, linkId), daysAgo(60), daysAgo(60));
    const result = applyClean(runs, planClean(runs, 30, NOW), { dryRun: false });
    expect(result.removed).toEqual([expect.objectContaining({ id: linkId, kind: 'symlink' })]);
    expect(existsSync(join(runs, linkId))).toBe(false);
    expect(readFileSync(join(target, 'data.bin'), 'utf8')).toBe('keep me');
  });

  it('never reads a run start through a symlink', () => {
    // The target looks like an ancient run, but the link itself is new: it stays.
    const target = join(outside, 'old-run');
    mkdirSync(target);
    writeFileSync(join(target, 'summary.json'), JSON.stringify({ run_id: 'x', status: 'passed', started_at: '2000-01-01T00:00:00Z' }));
    const linkId = makeRunId(daysAgo(1), 'fffff2');
    symlinkSync(target, join(runs, linkId));
    lutimesSync(join(runs, linkId), daysAgo(1), daysAgo(1));
    expect(planClean(runs, 30, NOW).remove).toEqual([]);
  });

  it('removes symlinks inside a run folder as links: outside files and folders stay', () => {
    const old = addRun(40, 'aaaab1');
    const file = join(outside, 'calibration.csv');
    const folder = join(outside, 'lab-share');
    writeFileSync(file, 'v,f\n900,2000\n');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'do not delete');
    symlinkSync(file, join(runs, old, 'calibration.csv'));
    symlinkSync(folder, join(runs, old, 'share'));
    symlinkSync(folder, join(runs, old, `${old}-s01`, 'share-again'));
    const result = applyClean(runs, planClean(runs, 30, NOW), { dryRun: false });
    expect(result.removed.map((c) => c.id)).toEqual([old]);
    expect(existsSync(join(runs, old))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('v,f\n900,2000\n');
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('do not delete');
  });

  it('measures sizes like du -sb, without following links', () => {
    const old = addRun(40, 'aaaac1');
    const big = join(outside, 'big.bin');
    writeFileSync(big, Buffer.alloc(5_000_000));
    symlinkSync(big, join(runs, old, 'big-link'));
    writeFileSync(join(runs, old, 'log.txt'), Buffer.alloc(12_345, 0x61));
    const size = measureTree(join(runs, old)).bytes;
    const du = Number(execFileSync('du', ['-sb', join(runs, old)], { encoding: 'utf8' }).split('\t')[0]);
    expect(size).toBe(du);
    expect(size).toBeLessThan(1_000_000);
  });

  it('--dry-run lists what would go and removes nothing', () => {
    const old = addRun(40, 'aaaad1');
    const size = measureTree(join(runs, old)).bytes;
    const result = applyClean(runs, planClean(runs, 30, NOW), { dryRun: true });
    expect(result.dry_run).toBe(true);
    expect(result.removed.map((c) => c.id)).toEqual([old]);
    expect(result.freed_bytes).toBe(size);
    expect(existsSync(join(runs, old, 'summary.json'))).toBe(true);
  });

  it('never touches dot files, stray files or anything not named like a run', () => {
    addRun(40, 'aaaae1');
    mkdirSync(join(runs, '.sim-rails'));
    writeFileSync(join(runs, '.sim-rails', 'vcore_mv'), '1000');
    writeFileSync(join(runs, '.journal.json.bak'), '{}');
    writeFileSync(join(runs, '.gitkeep'), '');
    mkdirSync(join(runs, 'rr-notes'));
    const strayId = makeRunId(daysAgo(40), 'aaaae2');
    writeFileSync(join(runs, strayId), 'a file, not a run folder');
    for (const name of ['.sim-rails', '.journal.json.bak', '.gitkeep', 'rr-notes', strayId]) utimesSync(join(runs, name), daysAgo(99), daysAgo(99));
    const result = applyClean(runs, planClean(runs, 0, NOW), { dryRun: false });
    expect(result.removed).toHaveLength(1);
    for (const name of ['.sim-rails/vcore_mv', '.journal.json.bak', '.gitkeep', 'rr-notes', strayId]) expect(existsSync(join(runs, name))).toBe(true);
  });

  it('accepts non-negative day counts, fractions included', () => {
    expect(parseOlderThan('30')).toBe(30);
    expect(parseOlderThan('0')).toBe(0);
    expect(parseOlderThan('0.5')).toBe(0.5);
    expect(parseOlderThan('.25')).toBe(0.25);
    expect(parseOlderThan(7)).toBe(7);
  });

  it.each([['-1'], ['abc'], [''], ['1d'], ['NaN'], ['Infinity'], ['1e3'], ['0x10'], [undefined], [['1', '2']], [-2]])(
    'rejects --older-than %j with a usage error',
    (value) => {
      expect(() => parseOlderThan(value)).toThrow(UsageError);
      expect(() => parseOlderThan(value)).toThrow(/non-negative number of days/);
    },
  );
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25.0 MiB');
  });
});
