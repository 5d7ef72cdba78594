// The launch-time check of executables: a stat while nothing changed, a hash when the file's
// identity changed, and a refusal naming the file when its bytes are not the recorded ones.
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { recordExecutable, verifyExecutable } from '../../src/execute/executableGuard.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-guard-'));
  file = path.join(dir, 'diag');
  writeFileSync(file, '#!/bin/sh\necho one\n', { mode: 0o755 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the recorded hash is the sha256 of the file, and an untouched file passes', async () => {
  const rec = await recordExecutable(file, 'diags/diag');
  expect(rec.sha256).toBe(createHash('sha256').update('#!/bin/sh\necho one\n').digest('hex'));
  expect(await verifyExecutable(rec)).toBeNull();
});

test('another file renamed over it (a new inode) with other bytes is refused', async () => {
  const rec = await recordExecutable(file, 'diags/diag');
  writeFileSync(path.join(dir, 'new'), '#!/bin/sh\necho two\n', { mode: 0o755 });
  renameSync(path.join(dir, 'new'), file);
  expect(await verifyExecutable(rec)).toMatch(/^executable diags\/diag changed since the run started \(sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}… in sysinfo\.json\); not launched, the run stops$/);
});

test('a file with the same bytes and a new mtime passes, and its new identity is kept', async () => {
  const rec = await recordExecutable(file, 'diags/diag');
  const before = { ...rec.identity };
  utimesSync(file, new Date(2000, 0, 1), new Date(2000, 0, 1));
  expect(await verifyExecutable(rec)).toBeNull();
  expect(rec.identity.mtimeMs).not.toBe(before.mtimeMs);
});

test('a file removed since the start is refused with the reason', async () => {
  const rec = await recordExecutable(file, 'diags/diag');
  unlinkSync(file);
  expect(await verifyExecutable(rec)).toBe('executable diags/diag is gone since the run started (ENOENT); not launched');
});
