// The inputs a fleet job carries: a §12 inputs bundle (src/bundle/bundleInputs.ts, a BagIt
// bag as .tar.gz) made at submit, carried base64 in the job's pg-boss payload, and opened on
// the agent with openBundle (every check of §12 before use). From the opened bundle the agent
// takes the flow, the margin and the submitter's policy (the job's policy; it can only
// tighten), found by the sha256 the bundled plan records; the host's own adapters, policy and
// profiles stay in force. One format only: this module is the fleet's single way in and out.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleInputs, type InputsBundleRequest } from '../bundle/bundleInputs.js';
import { BundleRefusedError, openBundle } from '../bundle/openBundle.js';
import { readBundledPlan } from '../bundle/replayPlan.js';
import { UsageError } from '../errors.js';

/** What a file is to the job. */
export type JobInputRole = 'flow' | 'margin' | 'policy';

/** The payload part that carries the inputs. */
export interface JobBundle {
  format: 'road_runner.job-bundle/1';
  /** The .tar.gz bytes, base64 (a pg-boss payload is JSON). */
  encoding: 'base64';
  /** sha256 of the .tar.gz bytes, checked before they are opened. */
  sha256: string;
  /** The bag's payload identity (sha256 of its manifest-sha256.txt). */
  payload_sha256: string;
  bytes: number;
  data: string;
}

/** Largest bundle a job may carry (an inputs bundle is a few KiB). */
export const MAX_JOB_BUNDLE_BYTES = 8 * 1024 * 1024;
/** Limits handed to openBundle for a job's bundle (far below a run bundle's). */
const OPEN_LIMITS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

/** Builds the inputs bundle of a checked plan and wraps it for a job payload. */
export async function packJobBundle(req: InputsBundleRequest): Promise<JobBundle> {
  const made = await bundleInputs(req);
  if (made.tarGz.length > MAX_JOB_BUNDLE_BYTES) {
    throw new UsageError(`the inputs bundle is ${made.tarGz.length} bytes, more than a job carries (${MAX_JOB_BUNDLE_BYTES})`, 'a flow, margin and adapters are small YAML files; check what the plan lists as inputs');
  }
  return {
    format: 'road_runner.job-bundle/1', encoding: 'base64', sha256: sha256(made.tarGz), payload_sha256: made.payload_sha256,
    bytes: made.tarGz.length, data: made.tarGz.toString('base64'),
  };
}

/**
 * Checks and opens a job's bundle in a fresh temporary folder (under `tempParent`, default
 * the OS temp folder), then writes the flow, margin and policy copies into `dest` (created;
 * files must be new): flows/NAME.yaml, margins/NAME.yaml, policy/safety.yaml. Returns role →
 * absolute path. A damaged or tampered bundle is a BundleRefusedError (exit 2) and nothing is
 * written into `dest`; the temporary folder is always removed.
 */
export async function openJobBundle(bundle: unknown, dest: string, where: string, tempParent?: string): Promise<Map<JobInputRole, string>> {
  const refuse = (what: string): never => {
    throw new BundleRefusedError(`the bundle of ${where} was refused: ${what}`, 'nothing was extracted outside a temporary folder and no rail was touched; submit the job again');
  };
  const b = checkShape(bundle, refuse);
  const bytes = Buffer.from(b.data, 'base64');
  if (bytes.length !== b.bytes) refuse(`it decodes to ${bytes.length} bytes, not the ${b.bytes} it was sent with`);
  if (sha256(bytes) !== b.sha256) refuse('its sha256 does not match the one it was sent with');
  const temp = mkdtempSync(path.join(tempParent ?? tmpdir(), 'rr-job-'));
  try {
    const file = path.join(temp, 'inputs.bundle.tar.gz');
    writeFileSync(file, bytes, { flag: 'wx', mode: 0o600 });
    const opened = await openBundle(file, { tempParent: temp, ...OPEN_LIMITS }).catch((err: unknown) => {
      // openBundle names the temporary file; the job is what the reader knows.
      if (err instanceof BundleRefusedError) refuse(err.message.replace(/^bundle \S+ refused: /, ''));
      throw err;
    });
    try {
      if (opened.info.kind !== 'inputs') refuse('it is not an inputs bundle (bag-info Road-Runner-Bundle: inputs)');
      if (opened.payloadSha256 !== b.payload_sha256) refuse('its payload identity does not match the one it was sent with');
      const plan = readBundledPlan(opened);
      const copies = readManifest(opened.inputsDir, refuse);
      const picked: { role: JobInputRole; to: string; bytes: Buffer }[] = [];
      for (const role of ['flow', 'margin', 'policy'] as const) {
        const input = plan.inputs.find((i) => i.role === role);
        if (!input) {
          if (role === 'policy') continue;
          refuse(`its plan records no ${role} input`);
        }
        const entry = copies.find((c) => c.sha256 === input!.sha256);
        if (!entry) refuse(`data/inputs/ has no copy of the ${role} ${input!.file}`);
        const content = readFileSync(path.join(opened.inputsDir, ...entry!.path.split('/')));
        if (sha256(content) !== input!.sha256) refuse(`data/inputs/${entry!.path} is not the ${role} its plan records`);
        const name = path.posix.basename(entry!.path);
        const to = role === 'flow' ? `flows/${name}` : role === 'margin' ? `margins/${name}` : 'policy/safety.yaml';
        picked.push({ role, to, bytes: content });
      }
      const out = new Map<JobInputRole, string>();
      mkdirSync(dest, { recursive: true });
      for (const p of picked) {
        const abs = path.join(dest, ...p.to.split('/'));
        mkdirSync(path.dirname(abs), { recursive: true });
        try {
          writeFileSync(abs, p.bytes, { flag: 'wx' }); // never through an existing file or link
        } catch (err) {
          throw new UsageError(`cannot write job input ${p.to} into ${dest}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
            'the job folder must be new; remove it if a previous attempt left it, and submit again');
        }
        out.set(p.role, abs);
      }
      return out;
    } finally {
      opened.cleanup();
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkShape(v: unknown, refuse: (what: string) => never): JobBundle {
  const b = v as Partial<JobBundle> | null;
  if (b === null || typeof b !== 'object' || b.format !== 'road_runner.job-bundle/1' || b.encoding !== 'base64'
    || typeof b.data !== 'string' || typeof b.sha256 !== 'string' || typeof b.payload_sha256 !== 'string' || typeof b.bytes !== 'number') {
    return refuse('the job carries no bundle of format road_runner.job-bundle/1');
  }
  if (b.bytes > MAX_JOB_BUNDLE_BYTES || b.data.length > Math.ceil(MAX_JOB_BUNDLE_BYTES / 3) * 4) refuse(`it is larger than ${MAX_JOB_BUNDLE_BYTES} bytes`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b.data) || b.data.length % 4 !== 0) refuse('its data is not base64');
  return b as JobBundle;
}

// data/inputs/.manifest.json: where each copy is, with its sha256.
function readManifest(inputsDir: string, refuse: (what: string) => never): { path: string; sha256: string }[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path.join(inputsDir, '.manifest.json'), 'utf8'));
  } catch (err) {
    return refuse(`data/inputs/.manifest.json cannot be read (${(err as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(v) || !v.every((e) => e !== null && typeof e === 'object' && typeof e.path === 'string' && typeof e.sha256 === 'string'
    && /^[A-Za-z0-9._/-]+$/.test(e.path) && !e.path.split('/').some((x: string) => x === '' || x === '.' || x === '..'))) {
    return refuse('data/inputs/.manifest.json has the wrong shape');
  }
  return v as { path: string; sha256: string }[];
}
