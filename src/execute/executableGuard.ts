// The file that runs is the file whose hash the run recorded (SPEC §15). At the start of a run
// each used executable is hashed, together with its identity (device, inode, size, mtime,
// ctime). Before every launch the file is stat()ed and the identity compared: a few
// microseconds per step. Only when the identity changed is the file hashed again; the same
// bytes (a `touch`, a copy of the same file) keep the run going, other bytes stop it.

import { createHash } from 'node:crypto';
import { createReadStream, statSync, type Stats } from 'node:fs';

/** What identifies a file's content without reading it; any write or replacement changes it. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** An executable as recorded at the start of a run (its hash goes to sysinfo.json). */
export interface RecordedExecutable {
  /** Absolute path: what is launched. */
  file: string;
  /** As shown to the operator, e.g. `diags/cpu-smoke`. */
  shown: string;
  sha256: string;
  identity: FileIdentity;
}

function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

function sameIdentity(a: FileIdentity, st: Stats): boolean {
  return a.ino === st.ino && a.dev === st.dev && a.size === st.size && a.mtimeMs === st.mtimeMs && a.ctimeMs === st.ctimeMs;
}

/** sha256 of a file, streamed. Rejects when it cannot be read. */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Hashes an executable and records its identity. The identity is taken before and after the
 * hash: a file written while it was read is read again (up to 3 times), so the hash and the
 * identity belong to the same content.
 */
export async function recordExecutable(file: string, shown: string): Promise<RecordedExecutable> {
  for (let attempt = 0; ; attempt++) {
    const before = statSync(file);
    const sha256 = await hashFile(file);
    const after = statSync(file);
    if (sameIdentity(identityOf(before), after) || attempt === 2) return { file, shown, sha256, identity: identityOf(after) };
  }
}

/**
 * Null when the executable is still the recorded one, else why not. Updates the recorded
 * identity when only the identity changed (same bytes), so the next check is a stat again.
 */
export async function verifyExecutable(rec: RecordedExecutable): Promise<string | null> {
  let st: Stats;
  try {
    st = statSync(rec.file);
  } catch (error) {
    return `executable ${rec.shown} is gone since the run started (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); not launched`;
  }
  if (sameIdentity(rec.identity, st)) return null;
  let now: string;
  try {
    now = await hashFile(rec.file);
  } catch (error) {
    return `executable ${rec.shown} cannot be read any more (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); not launched`;
  }
  if (now !== rec.sha256) {
    return `executable ${rec.shown} changed since the run started (sha256 ${now.slice(0, 12)}…, recorded ${rec.sha256.slice(0, 12)}… in sysinfo.json); not launched, the run stops`;
  }
  rec.identity = identityOf(st);
  return null;
}
