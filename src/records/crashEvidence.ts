// What the kernel kept of a previous boot, collected when a run is resumed after the host
// itself went down: the kernel log tail of the previous boot, pstore entries, and EDAC
// memory-controller error counts. Each source says what it found or why it is unavailable.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One source of evidence: its text or counts, or why there is none. */
export type Evidence<T> = { available: true; value: T } | { available: false; reason: string };

export interface CrashEvidence {
  collected_at: string;
  kernel_log_previous_boot: Evidence<string>;
  pstore: Evidence<{ name: string; bytes: number; head: string }[]>;
  edac: Evidence<Record<string, { ce_count: number | null; ue_count: number | null }>>;
}

function readKernelLog(lines: number): Promise<Evidence<string>> {
  return new Promise((resolve) => {
    execFile('journalctl', ['-k', '-b', '-1', '--no-pager', '-n', String(lines)], { timeout: 10_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'journalctl is not installed' : (String(stderr).trim().split('\n')[0] || err.message);
        resolve({ available: false, reason: why });
      } else resolve({ available: true, value: String(stdout) });
    });
  });
}

function readPstore(dir: string): Evidence<{ name: string; bytes: number; head: string }[]> {
  try {
    const entries = readdirSync(dir).map((name) => {
      const file = path.join(dir, name);
      const bytes = statSync(file).size;
      return { name, bytes, head: readFileSync(file, 'utf8').slice(0, 4096) };
    });
    return entries.length > 0 ? { available: true, value: entries } : { available: false, reason: `${dir} is empty` };
  } catch (e) {
    return { available: false, reason: `${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

function readCount(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function readEdac(dir: string): Evidence<Record<string, { ce_count: number | null; ue_count: number | null }>> {
  try {
    const controllers = readdirSync(dir).filter((n) => /^mc\d+$/.test(n));
    if (controllers.length === 0) return { available: false, reason: `no memory controllers under ${dir}` };
    const value: Record<string, { ce_count: number | null; ue_count: number | null }> = {};
    for (const mc of controllers) value[mc] = { ce_count: readCount(path.join(dir, mc, 'ce_count')), ue_count: readCount(path.join(dir, mc, 'ue_count')) };
    return { available: true, value };
  } catch (e) {
    return { available: false, reason: `${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** Collects the evidence; sources are injectable so tests can point at prepared folders. */
export async function collectCrashEvidence(
  sources: { pstoreDir?: string; edacDir?: string; kernelLogLines?: number } = {},
): Promise<CrashEvidence> {
  return {
    collected_at: new Date().toISOString(),
    kernel_log_previous_boot: await readKernelLog(sources.kernelLogLines ?? 200),
    pstore: readPstore(sources.pstoreDir ?? '/sys/fs/pstore'),
    edac: readEdac(sources.edacDir ?? '/sys/devices/system/edac/mc'),
  };
}
