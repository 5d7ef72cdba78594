import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { RuntimeAbortError } from '../../src/errors.js';
import { buildHostFacts } from '../../src/host/facts.js';
import { readLiveHostTexts } from '../../src/host/live.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rr-host-live-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Puts a fake command in the temp folder; the folder is then the only PATH entry.
async function writeCommand(name: string, body: string): Promise<void> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

test('reads lscpu and uname -a on this machine, in English', async () => {
  const texts = await readLiveHostTexts();
  expect(texts.lscpu).toMatch(/^Architecture:/m);
  expect(texts.lscpu).toMatch(/^CPU\(s\):/m);
  const facts = buildHostFacts(texts);
  expect(facts.arch).toBeDefined();
  expect(facts.cpus).toBeGreaterThan(0);
  expect(facts.totalCores).toBeGreaterThan(0);
  expect(facts.kernelRelease).toMatch(/^\d+\.\d+/);
});

test('forces LC_ALL=C over the caller environment', async () => {
  await writeCommand('lscpu', 'echo "Architecture: $LC_ALL"');
  await writeCommand('uname', 'echo "Linux h 6.1.0 #1 SMP x86_64 $1"');
  const texts = await readLiveHostTexts({ env: { PATH: dir, LC_ALL: 'de_DE.UTF-8' } });
  expect(texts).toEqual({ lscpu: 'Architecture: C\n', uname: 'Linux h 6.1.0 #1 SMP x86_64 -a\n' });
});

test('a missing lscpu is a runtime abort with a hint', async () => {
  await writeCommand('uname', 'echo Linux');
  const error = await catchError(readLiveHostTexts({ env: { PATH: dir } }));
  expect(error).toBeInstanceOf(RuntimeAbortError);
  expect((error as RuntimeAbortError).message).toContain('`lscpu` was not found on PATH');
  expect((error as RuntimeAbortError).hint).toMatch(/util-linux.*--host FILE/);
  expect((error as RuntimeAbortError).exitCode).toBe(4);
});

test('a command that hangs is stopped after the time limit', async () => {
  await writeCommand('lscpu', 'exec /bin/sleep 30');
  await writeCommand('uname', 'echo Linux');
  const started = Date.now();
  const error = await catchError(readLiveHostTexts({ env: { PATH: dir }, timeoutMs: 300 }));
  expect(error).toBeInstanceOf(RuntimeAbortError);
  expect((error as Error).message).toContain('`lscpu` did not finish within 0.3 s');
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('a failing command reports its exit code and first stderr line', async () => {
  await writeCommand('lscpu', 'echo "Architecture: x86_64"');
  await writeCommand('uname', 'echo "uname: boom" >&2; exit 3');
  const error = await catchError(readLiveHostTexts({ env: { PATH: dir } }));
  expect(error).toBeInstanceOf(RuntimeAbortError);
  expect((error as Error).message).toBe('cannot detect the host: `uname -a` exited with code 3: uname: boom');
});
