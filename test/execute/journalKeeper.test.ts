// The journal keeps a rail only once a `set` of it really started: journaled before the call,
// gone again when the call never ran (unless an earlier set of the run did).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/execute/journalKeeper.js';
import { readJournal } from '../../src/records/journal.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const now = () => new Date('2026-01-01T00:00:00Z');

describe('journal keeper: touched rails', () => {
  it('a rail whose set never started leaves the journal; one whose set started stays, whatever later calls do', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rr-journal-'));
    const keeper = openJournal(dir, 'rr-test', now);
    keeper.touchRail('vcore_mv', 1000, 'vcore');
    // Journaled before the call: a crash during it is recovered.
    expect(readJournal(dir)!.rails).toEqual({ vcore_mv: { nominal: 1000, adapter: 'vcore' } });
    keeper.railSetStarted('vcore_mv', false);
    expect(readJournal(dir)!.rails).toEqual({});

    keeper.touchRail('freq_mhz', 2400, 'freq');
    keeper.railSetStarted('freq_mhz', true);
    keeper.touchRail('freq_mhz', 2400, 'freq');
    keeper.railSetStarted('freq_mhz', false);
    expect(readJournal(dir)!.rails).toEqual({ freq_mhz: { nominal: 2400, adapter: 'freq' } });
    keeper.clear();
    expect(readJournal(dir)).toBeNull();
  });
});
