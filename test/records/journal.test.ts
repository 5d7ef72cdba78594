import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { RrError } from '../../src/errors.js';
import { isJournalOrphaned, journalPath, readJournal, removeJournal, writeJournal, type Journal } from '../../src/records/journal.js';
import { isProcessAlive, processStartTime } from '../../src/records/process.js';
import { makeTempDir, removeTempDir, spawnUntilLine, waitForExit } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeTempDir(dir);
});

function journalFor(pid: number, pidStartTime: string | null): Journal {
  return {
    version: 1,
    run_id: 'rr-20240201T100000Z-aaaaaa',
    pid,
    pid_start_time: pidStartTime,
    subrun_id: null,
    pgids: [],
    rails: {},
    updated_at: '2024-02-01T10:00:00.000Z',
  };
}

async function startSleeper() {
  const script = join(dir, 'sleeper.mjs');
  writeFileSync(script, "process.stdout.write('ready\\n'); setInterval(() => {}, 1000);\n");
  return (await spawnUntilLine(script, [], 'ready')).child;
}

describe('journal', () => {
  it('round-trips through write and read, replacing the whole object each time', () => {
    expect(readJournal(dir)).toBeNull();
    const j = journalFor(process.pid, processStartTime(process.pid));
    writeJournal(dir, j);
    expect(readJournal(dir)).toEqual(j);
    const next: Journal = {
      ...j,
      subrun_id: `${j.run_id}-s02`,
      pgids: [4242, 4343],
      rails: { vcore: { nominal: 1.1, adapter: 'vcore' }, uncore: { nominal: 0.9, adapter: 'uncore-msr' } },
      updated_at: '2024-02-01T10:01:00.000Z',
    };
    writeJournal(dir, next);
    expect(readJournal(dir)).toEqual(next);
    expect(readdirSync(dir)).toEqual(['.journal.json']);
  });

  it('keeps the file a single compact line', () => {
    writeJournal(dir, journalFor(1, null));
    const text = readFileSync(journalPath(dir), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd()).not.toContain('\n');
  });

  it('removes the journal, and removing twice is harmless', () => {
    writeJournal(dir, journalFor(1, null));
    removeJournal(dir);
    removeJournal(dir);
    expect(readJournal(dir)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a damaged journal with a clear message (exit 4)', () => {
    writeFileSync(journalPath(dir), '{"version":1,"run_id":');
    expect(() => readJournal(dir)).toThrow(RrError);
    expect(() => readJournal(dir)).toThrow(/crash journal .* is damaged/);
    writeFileSync(journalPath(dir), JSON.stringify({ ...journalFor(1, null), rails: { vcore: { nominal: 'high' } } }));
    expect(() => readJournal(dir)).toThrow(/rails\.vcore/);
    writeFileSync(journalPath(dir), JSON.stringify({ ...journalFor(1, null), version: 2 }));
    try {
      readJournal(dir);
      expect.unreachable();
    } catch (err) {
      expect((err as RrError).exitCode).toBe(4);
      expect((err as Error).message).toMatch(/unsupported version 2/);
    }
  });

  it('a journal of this live process is not orphaned', () => {
    expect(isJournalOrphaned(journalFor(process.pid, processStartTime(process.pid)))).toBe(false);
    expect(isJournalOrphaned(journalFor(process.pid, null))).toBe(false);
  });

  it('a journal whose process was killed with SIGKILL is orphaned', async () => {
    const child = await startSleeper();
    const j = journalFor(child.pid!, processStartTime(child.pid!));
    writeJournal(dir, j);
    expect(isJournalOrphaned(readJournal(dir)!)).toBe(false);
    child.kill('SIGKILL');
    await waitForExit(child);
    expect(isJournalOrphaned(readJournal(dir)!)).toBe(true);
  });

  it('a journal whose pid now belongs to a later process is orphaned', () => {
    const start = processStartTime(process.pid)!;
    const earlier = String(Number(start) - 1);
    expect(isJournalOrphaned(journalFor(process.pid, earlier))).toBe(true);
  });
});

describe('process facts', () => {
  it('reads a stable numeric start time for a living process', () => {
    const a = processStartTime(process.pid);
    expect(a).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(a);
    expect(processStartTime(process.ppid)).toMatch(/^\d+$/);
  });

  it('gives a later start time to a later process', async () => {
    const child = await startSleeper();
    expect(Number(processStartTime(child.pid!))).toBeGreaterThanOrEqual(Number(processStartTime(process.pid)));
    child.kill('SIGKILL');
    await waitForExit(child);
  });

  it('tells living from gone processes', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true);
    const child = spawn(process.execPath, ['-e', '0']);
    await waitForExit(child);
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(processStartTime(child.pid!)).toBeNull();
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-5)).toBe(false);
    expect(isProcessAlive(2 ** 31)).toBe(false);
  });

  it('counts a zombie (exited, not yet reaped by its parent) as gone', async () => {
    // The forked child exits at once; its perl parent never calls wait, so it stays a zombie.
    // (A shell is no good here: dash may reap a finished background job before it execs.)
    const script = 'my $p = fork(); exit 0 if $p == 0; $| = 1; print "$p\\n"; sleep 5;';
    const parent = spawn('perl', ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const zombiePid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString()))));
    for (let i = 0; i < 100 && !readFileSync(`/proc/${zombiePid}/stat`, 'utf8').includes(') Z '); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readFileSync(`/proc/${zombiePid}/stat`, 'utf8')).toContain(') Z ');
    expect(isProcessAlive(zombiePid)).toBe(false);
    parent.kill('SIGKILL');
    await waitForExit(parent);
  });
});
