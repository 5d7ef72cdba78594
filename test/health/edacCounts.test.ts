import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { edacFolder, readEdacCounts } from '../../src/health/edacCounts.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rr-edac-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function controller(name: string, ce: string, ue: string): void {
  const dir = path.join(edacFolder(root), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ce_count'), ce);
  writeFileSync(path.join(dir, 'ue_count'), ue);
}

describe('EDAC counters', () => {
  it('sums every controller and keeps each one (mc10 after mc2)', () => {
    controller('mc0', '3\n', '0\n');
    controller('mc2', '4\n', '1\n');
    controller('mc10', '0\n', '0\n');
    mkdirSync(path.join(edacFolder(root), 'power'), { recursive: true });
    const r = readEdacCounts(root);
    expect(r).toEqual({ available: true, total: { ce: 7, ue: 1 }, controllers: { mc0: { ce: 3, ue: 0 }, mc2: { ce: 4, ue: 1 }, mc10: { ce: 0, ue: 0 } } });
    expect(Object.keys((r as { controllers: object }).controllers)).toEqual(['mc0', 'mc2', 'mc10']);
  });

  it('no EDAC driver, or no controller: unavailable with the reason', () => {
    expect(readEdacCounts(root)).toMatchObject({ available: false, reason: expect.stringMatching(/no EDAC driver .*does not exist/) });
    mkdirSync(edacFolder(root), { recursive: true });
    expect(readEdacCounts(root)).toMatchObject({ available: false, reason: expect.stringMatching(/no memory controller/) });
  });

  it('a counter that is missing or not a count makes the reading unavailable, never an error', () => {
    controller('mc0', 'lots\n', '0\n');
    expect(readEdacCounts(root)).toMatchObject({ available: false, reason: expect.stringMatching(/does not hold a count/) });
    rmSync(path.join(edacFolder(root), 'mc0/ue_count'));
    writeFileSync(path.join(edacFolder(root), 'mc0/ce_count'), '1');
    expect(readEdacCounts(root)).toMatchObject({ available: false, reason: expect.stringMatching(/ue_count does not exist/) });
  });
});
