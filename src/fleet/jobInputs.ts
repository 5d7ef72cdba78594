// The input files a fleet job carries, packed into the job's payload and unpacked on the
// agent: the same files a run records in runs/<id>/inputs/ (flow, margin, the submitter's
// policy), each with its sha256, checked on unpack, with paths that cannot leave the folder.
// One small module on purpose: a §12 bundle can take its place later.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** What a file is to the job. */
export type JobInputRole = 'flow' | 'margin' | 'policy';

/** One packed file. */
export interface JobInputFile {
  role: JobInputRole;
  /** `/`-separated, relative, no `..`: where it goes under the job folder. */
  path: string;
  sha256: string;
  /** The bytes, base64. */
  content: string;
}

/** The payload part that carries the inputs. */
export interface JobInputs {
  format: 'road_runner.job-inputs/1';
  files: JobInputFile[];
}

/** Largest input file packed (the YAML readers refuse more anyway). */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Packs files (absolute paths) under the relative names given. */
export function packJobInputs(files: { role: JobInputRole; abs: string; path: string }[]): JobInputs {
  return {
    format: 'road_runner.job-inputs/1',
    files: files.map((f) => {
      checkRelativePath(f.path);
      const bytes = readFileSync(f.abs);
      if (bytes.length > MAX_FILE_BYTES) throw new UsageError(`${f.abs} is larger than 10 MiB`, 'a flow, margin or policy file is a small YAML file');
      return { role: f.role, path: f.path, sha256: sha256(bytes), content: bytes.toString('base64') };
    }),
  };
}

/** Writes the files into `dest` (created; must be new) after checking every path and hash; returns role → absolute path. */
export function unpackJobInputs(payload: unknown, dest: string): Map<JobInputRole, string> {
  const inputs = checkShape(payload);
  const decoded = inputs.files.map((f) => {
    checkRelativePath(f.path);
    const bytes = Buffer.from(f.content, 'base64');
    if (sha256(bytes) !== f.sha256) throw new UsageError(`job input ${f.path}: its sha256 does not match the one packed with it`, 'the job was damaged in the queue; submit it again');
    return { ...f, bytes };
  });
  const seen = new Set<string>();
  const out = new Map<JobInputRole, string>();
  mkdirSync(dest, { recursive: true });
  for (const f of decoded) {
    if (seen.has(f.path)) throw new UsageError(`job input ${f.path} is packed twice`, 'submit the job again');
    seen.add(f.path);
    const abs = path.join(dest, ...f.path.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    try {
      writeFileSync(abs, f.bytes, { flag: 'wx' }); // never through an existing file or link
    } catch (err) {
      throw new UsageError(`cannot unpack job input ${f.path} into ${dest}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'the job folder must be new; remove it if a previous attempt left it, and submit again');
    }
    if (!out.has(f.role)) out.set(f.role, abs);
  }
  return out;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// A path that stays inside the folder it is unpacked into.
function checkRelativePath(p: string): void {
  const parts = p.split('/');
  if (p === '' || p.length > 255 || !/^[A-Za-z0-9._/-]+$/.test(p) || parts.some((x) => x === '' || x === '.' || x === '..')) {
    throw new UsageError(`job input path "${p}" is not a plain relative path`, 'inputs are packed as flows/NAME.yaml, margins/NAME.yaml, policy/safety.yaml');
  }
}

function checkShape(payload: unknown): JobInputs {
  const p = payload as Partial<JobInputs> | null;
  const roles: JobInputRole[] = ['flow', 'margin', 'policy'];
  const ok = p !== null && typeof p === 'object' && p.format === 'road_runner.job-inputs/1' && Array.isArray(p.files)
    && p.files.every((f) => f !== null && typeof f === 'object' && roles.includes(f.role) && typeof f.path === 'string' && typeof f.sha256 === 'string' && typeof f.content === 'string');
  if (!ok) throw new UsageError('the job carries no readable inputs (format road_runner.job-inputs/1 expected)', 'submit the job again with this road_runner version');
  const files = (p as JobInputs).files;
  for (const role of ['flow', 'margin'] as const) {
    if (!files.some((f) => f.role === role)) throw new UsageError(`the job carries no ${role} file`, 'submit the job again');
  }
  return p as JobInputs;
}
