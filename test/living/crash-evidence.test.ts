// collectCrashEvidence with prepared folders standing in for /sys/fs/pstore and the EDAC
// memory controllers, and with absent or empty ones: every source gives its value or the
// reason it has none, and never throws. journalctl may or may not work on this machine.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectCrashEvidence, type Evidence } from '../../src/records/crashEvidence.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rr-evidence-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(file: string, text: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** The kernel log is text or a reason, whatever this machine offers. */
function expectTextOrReason(e: Evidence<string>): void {
  if (e.available) expect(typeof e.value).toBe('string');
  else expect(e.reason.trim().length).toBeGreaterThan(0);
}

describe('collectCrashEvidence', () => {
  it('reads pstore entries and EDAC counts from the folders it is given', async () => {
    const pstore = path.join(dir, 'pstore');
    const edac = path.join(dir, 'edac');
    write(path.join(pstore, 'dmesg-ramoops-0'), 'Kernel panic - not syncing: Fatal machine check\n');
    const big = 'x'.repeat(10_000);
    write(path.join(pstore, 'console-ramoops-0'), big);
    write(path.join(edac, 'mc0/ce_count'), '12\n');
    write(path.join(edac, 'mc0/ue_count'), '1\n');
    write(path.join(edac, 'mc1/ce_count'), '0\n'); // ue_count missing
    write(path.join(edac, 'power/control'), 'auto\n'); // not a controller

    const before = Date.now();
    const e = await collectCrashEvidence({ pstoreDir: pstore, edacDir: edac, kernelLogLines: 5 });
    expect(Date.parse(e.collected_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(e.pstore).toEqual({
      available: true,
      value: expect.arrayContaining([
        { name: 'dmesg-ramoops-0', bytes: 48, head: 'Kernel panic - not syncing: Fatal machine check\n' },
        { name: 'console-ramoops-0', bytes: 10_000, head: big.slice(0, 4096) },
      ]),
    });
    expect(e.pstore.available && e.pstore.value).toHaveLength(2);
    expect(e.edac).toEqual({ available: true, value: { mc0: { ce_count: 12, ue_count: 1 }, mc1: { ce_count: 0, ue_count: null } } });
    expectTextOrReason(e.kernel_log_previous_boot);
    // What resume writes to crash-evidence.json survives JSON.
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('absent folders: each source records why, nothing throws', async () => {
    const pstore = path.join(dir, 'no-pstore');
    const edac = path.join(dir, 'no-edac');
    const e = await collectCrashEvidence({ pstoreDir: pstore, edacDir: edac });
    expect(e.pstore).toEqual({ available: false, reason: `${pstore}: ENOENT` });
    expect(e.edac).toEqual({ available: false, reason: `${edac}: ENOENT` });
    expectTextOrReason(e.kernel_log_previous_boot);
  });

  it('empty pstore and an EDAC folder without memory controllers: reasons, not empty values', async () => {
    const pstore = path.join(dir, 'pstore');
    const edac = path.join(dir, 'edac');
    mkdirSync(pstore);
    write(path.join(edac, 'power/control'), 'auto\n');
    const e = await collectCrashEvidence({ pstoreDir: pstore, edacDir: edac });
    expect(e.pstore).toEqual({ available: false, reason: `${pstore} is empty` });
    expect(e.edac).toEqual({ available: false, reason: `no memory controllers under ${edac}` });
  });

  it('a pstore path that is a file, not a folder: a reason', async () => {
    const pstore = path.join(dir, 'pstore');
    write(pstore, 'not a folder');
    const e = await collectCrashEvidence({ pstoreDir: pstore, edacDir: path.join(dir, 'none') });
    expect(e.pstore).toEqual({ available: false, reason: `${pstore}: ENOTDIR` });
  });

  it('without journalctl on PATH the kernel log says so', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(dir, 'empty-bin');
    try {
      const e = await collectCrashEvidence({ pstoreDir: path.join(dir, 'none'), edacDir: path.join(dir, 'none') });
      expect(e.kernel_log_previous_boot).toEqual({ available: false, reason: 'journalctl is not installed' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
