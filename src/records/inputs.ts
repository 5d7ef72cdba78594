// inputs/: byte copies of every input file a run used (flow, margin, adapters, policy,
// profile…), each with its sha256, so a run can be replayed after the files change.
// The hash is computed from the very bytes written to the copy.

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** One copied input: where it went (relative to destDir, `/`-separated), from where, its hash and size. */
export interface CopiedInput {
  path: string;
  source: string;
  sha256: string;
  bytes: number;
}

/** Folder under destDir for inputs that live outside the workspace root. */
export const EXTERNAL_INPUTS_DIR = '_external';

/**
 * Copies `files` (absolute, or relative to `root`) into `destDir`, keeping workspace-relative
 * paths; a file outside `root` goes to `destDir/_external/<basename>` (renamed `name-2.ext`…
 * if two share a name). A file listed twice is copied once. Returns one entry per copy, in order.
 */
export async function copyInputs(root: string, files: string[], destDir: string): Promise<CopiedInput[]> {
  const absRoot = resolve(root);
  const bySource = new Map<string, CopiedInput>();
  const usedTargets = new Set<string>();
  for (const file of files) {
    const source = resolve(absRoot, file);
    if (bySource.has(source)) continue;
    const target = chooseTarget(absRoot, source, usedTargets);
    usedTargets.add(target);
    const copied = await copyWithHash(source, join(destDir, ...target.split('/')));
    bySource.set(source, { path: target, source, ...copied });
  }
  return [...bySource.values()];
}

/** Computes the sha256 (hex) of a file, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

// The `/`-separated path of a copy under destDir.
function chooseTarget(absRoot: string, source: string, used: Set<string>): string {
  const rel = relative(absRoot, source);
  const isInside = rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
  if (isInside) return rel.split(sep).join('/');
  const name = basename(source);
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = `${EXTERNAL_INPUTS_DIR}/${name}`;
  for (let n = 2; used.has(candidate); n++) candidate = `${EXTERNAL_INPUTS_DIR}/${stem}-${n}${ext}`;
  return candidate;
}

// Copies in 64 KiB pieces with synchronous calls: input files are small, and a handful of
// stream pipelines cost ~0.1 s of thread-pool round trips at the start of every run.
async function copyWithHash(source: string, dest: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const from = openSync(source, 'r');
  try {
    mkdirSync(dirname(dest), { recursive: true });
    // 'wx': never overwrite; a run's inputs/ is written once.
    const to = openSync(dest, 'wx', 0o666); // as createWriteStream: the umask decides
    try {
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let n = readSync(from, buffer); n > 0; n = readSync(from, buffer)) {
        const piece = buffer.subarray(0, n);
        hash.update(piece);
        for (let done = 0; done < n; ) done += writeSync(to, piece, done, n - done);
        bytes += n;
      }
    } finally {
      closeSync(to);
    }
  } finally {
    closeSync(from);
  }
  return { sha256: hash.digest('hex'), bytes };
}
