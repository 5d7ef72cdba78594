// Writes a BagIt bag as one .tar.gz stream. The bag is staged in a fresh temporary folder: every
// payload file is copied there and hashed in the same pass, so the manifest describes exactly
// the bytes in the archive even if a source changes meanwhile. The staging folder is removed
// whatever happens. Sources are opened without following symlinks and must be regular files.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { BAG_FILES, PAYLOAD_DIR, formatBagInfo, formatDeclaration, formatManifest, payloadOxum, unsafePathReason, type ManifestEntry } from './bagit.js';

/** A file copied into the payload: from an absolute path to a `/`-separated path under data/. */
export interface PayloadFile {
  from: string;
  to: string;
}

/** A payload file made in memory (e.g. data/executables.json). */
export interface PayloadText {
  to: string;
  text: string;
}

/** What a bag holds. `name` is its top folder in the archive (the bag's name). */
export interface BagRequest {
  name: string;
  files: PayloadFile[];
  texts?: PayloadText[];
  /** road_runner's own bag-info fields, after Bagging-Date and Payload-Oxum. */
  info: ReadonlyArray<readonly [string, string]>;
  now: Date;
}

/** What was written: the payload's identity (sha256 of manifest-sha256.txt), size and count. */
export interface BagWritten {
  payload_sha256: string;
  payload_bytes: number;
  payload_files: number;
}

/** Stages the bag and streams it, gzip-compressed, into `out` (which is ended). */
export async function writeBagTarGz(req: BagRequest, out: Writable): Promise<BagWritten> {
  const reason = unsafePathReason(req.name);
  if (reason !== null || req.name.includes('/')) throw new Error(`bag name ${JSON.stringify(req.name)} is not a plain folder name`);
  const staging = mkdtempSync(path.join(tmpdir(), 'rr-bag-'));
  try {
    const bagDir = path.join(staging, req.name);
    const manifest: ManifestEntry[] = [];
    let bytes = 0;
    const seen = new Set<string>();
    const claim = (to: string): string => {
      const problem = unsafePathReason(to);
      if (problem !== null) throw new Error(`payload path ${JSON.stringify(to)}: ${problem}`);
      if (seen.has(to)) throw new Error(`payload path ${to} given twice`);
      seen.add(to);
      const dest = path.join(bagDir, PAYLOAD_DIR, ...to.split('/'));
      mkdirSync(path.dirname(dest), { recursive: true });
      return dest;
    };
    for (const f of req.files) {
      const dest = claim(f.to);
      const copied = copyRegularFile(f.from, dest);
      manifest.push({ path: `${PAYLOAD_DIR}/${f.to}`, sha256: copied.sha256 });
      bytes += copied.bytes;
    }
    for (const t of req.texts ?? []) {
      const dest = claim(t.to);
      const data = Buffer.from(t.text, 'utf8');
      writeFileSync(dest, data, { flag: 'wx' });
      manifest.push({ path: `${PAYLOAD_DIR}/${t.to}`, sha256: sha256Of(data) });
      bytes += data.length;
    }
    mkdirSync(path.join(bagDir, PAYLOAD_DIR), { recursive: true });
    const manifestText = formatManifest(manifest);
    const tags: [string, string][] = [
      [BAG_FILES.declaration, formatDeclaration()],
      [BAG_FILES.info, formatBagInfo([
        ['Bagging-Date', req.now.toISOString().slice(0, 10)],
        ['Payload-Oxum', payloadOxum(bytes, manifest.length)],
        ...req.info,
      ])],
      [BAG_FILES.manifest, manifestText],
    ];
    for (const [name, text] of tags) writeFileSync(path.join(bagDir, name), text, { flag: 'wx' });
    writeFileSync(path.join(bagDir, BAG_FILES.tagManifest),
      formatManifest(tags.map(([name, text]) => ({ path: name, sha256: sha256Of(Buffer.from(text, 'utf8')) }))), { flag: 'wx' });
    // tar is a large module: loaded only by the commands that pack or open a bundle.
    const tar = await import('tar');
    // portable: no user, group or host-specific fields in the headers.
    await pipeline(tar.create({ gzip: true, cwd: staging, portable: true }, [req.name]), out);
    return { payload_sha256: sha256Of(Buffer.from(manifestText, 'utf8')), payload_bytes: bytes, payload_files: manifest.length };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes a bag to `target` atomically: a temporary file beside it, renamed over it at the end. */
export async function writeBagFile(req: BagRequest, target: string): Promise<BagWritten> {
  const { createWriteStream, renameSync } = await import('node:fs');
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  try {
    const written = await writeBagTarGz(req, out);
    renameSync(temp, target);
    return written;
  } catch (err) {
    out.destroy();
    rmSync(temp, { force: true });
    throw err;
  }
}

/** sha256 (hex) of bytes in memory. */
export function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// Copies a regular file (never through a symlink: O_NOFOLLOW) and hashes the bytes copied.
function copyRegularFile(from: string, to: string): { sha256: string; bytes: number } {
  let fd: number;
  try {
    fd = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UsageError(`${from} is a symlink; a bundle holds only regular files`, 'replace the link by the file it points at, or remove it');
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`${from} is not a regular file; a bundle holds only regular files`, 'remove it from the run folder');
    const hash = createHash('sha256');
    let bytes = 0;
    const dest = openSync(to, 'wx', 0o644);
    try {
      const buffer = Buffer.allocUnsafe(256 * 1024);
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
        const piece = buffer.subarray(0, n);
        hash.update(piece);
        for (let done = 0; done < n; ) done += writeSync(dest, piece, done, n - done);
        bytes += n;
      }
    } finally {
      closeSync(dest);
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    closeSync(fd);
  }
}
