// The `report` and `export` command modules, called as main.ts calls them.

import { readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { RrError } from '../../src/errors.js';
import report from '../../src/cli/commands/report.js';
import exportCommand from '../../src/cli/commands/export.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun } from './builders.js';

let root: string;
let dir: string;
let out: string[];
let err: string[];
let ctx: CommandContext;

beforeEach(async () => {
  root = await makeWorkspace();
  dir = (await writeRun(root, { axes: [], subruns: [{ point: {}, status: 'failed', steps: [{ status: 'failed' }, { status: 'passed' }] }] })).dir;
  out = [];
  err = [];
  ctx = { root, cwd: root, hostFile: undefined, env: {}, isTTY: false, out: (l) => out.push(l), err: (l) => err.push(l) };
});
afterEach(async () => {
  await removeWorkspace(root);
});

test('report writes both files and exits 0; a missing summary exits 2 after still writing them', async () => {
  expect(await report(ctx, { runId: RUN_ID })).toBe(0);
  expect(out).toEqual([`wrote ${join(dir, 'report.md')}`, `wrote ${join(dir, 'report.html')}`]);
  await rm(join(dir, 'summary.json'));
  await rm(join(dir, 'report.md'));
  expect(await report(ctx, { runId: RUN_ID })).toBe(2);
  expect(err.join('\n')).toMatch(/summary of run .* not found.*recover/);
  expect(existsSync(join(dir, 'report.md'))).toBe(true);
});

test('report with a malformed id throws a usage error (exit 2)', async () => {
  const e = await report(ctx, { runId: '../../etc' }).catch((x: unknown) => x);
  expect((e as RrError).exitCode).toBe(2);
});

test('export writes runs/<ID>/export.<ext> by default and --out FILE elsewhere', async () => {
  expect(await exportCommand(ctx, { run: RUN_ID, format: 'junit' })).toBe(0);
  expect(await readFile(join(dir, 'export.xml'), 'utf8')).toContain('<testsuites');
  expect(await exportCommand(ctx, { run: RUN_ID, format: 'csv', out: 'steps.csv' })).toBe(0);
  expect((await readFile(join(root, 'steps.csv'), 'utf8')).split('\n')[0]).toMatch(/^run_id,subrun_id,unit,step_index/);
  expect(out.join('\n')).toContain('wrote 2 rows');
});

test('export refuses a bad format, an unknown run and an output folder that does not exist, leaving no file', async () => {
  const bad = await exportCommand(ctx, { run: RUN_ID, format: 'xlsx' }).catch((x: unknown) => x);
  expect((bad as RrError).exitCode).toBe(2);
  const unknown = await exportCommand(ctx, { run: 'rr-20990101T000000Z-ffffff', format: 'csv' }).catch((x: unknown) => x);
  expect((unknown as RrError).message).toMatch(/not found/);
  const folder = await exportCommand(ctx, { run: RUN_ID, format: 'csv', out: 'nowhere/x.csv' }).catch((x: unknown) => x);
  expect((folder as RrError).exitCode).toBe(2);
  for (const sub of (await import('node:fs')).readdirSync(join(dir, 'subruns'))) await rm(join(dir, 'subruns', sub, 'steps.ldjson'));
  const noSteps = await exportCommand(ctx, { run: RUN_ID, format: 'json' }).catch((x: unknown) => x);
  expect((noSteps as RrError).message).toMatch(/no event log \(steps\.ldjson\)/);
  expect(existsSync(join(dir, 'export.json'))).toBe(false);
  expect((await import('node:fs')).readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
});
