// Test helpers for a job's §12 inputs bundle: one made from a workspace exactly as
// `fleet submit` makes it, and a re-packed copy with one change, the way someone who can write
// the queue's rows would tamper with it (the outer sha256 and size are recomputed to match).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { loadValidators } from '../../src/config/validate.js';
import { packJobBundle, type JobBundle } from '../../src/fleet/jobInputs.js';
import { planSweep } from '../../src/plan/planSweep.js';
import { loadHost } from '../../src/workspace/host.js';
import { loadWorkspace } from '../../src/workspace/load.js';

/** The bundle `fleet submit --flow FLOW --margin MARGIN` would send from `root`. */
export async function makeJobBundle(root: string, flow: string, margin: string, hostFile?: string): Promise<JobBundle> {
  const validators = await loadValidators();
  const workspace = loadWorkspace(validators, root, { flows: [path.join(root, `flows/${flow}.yaml`)], margins: [path.join(root, `margins/${margin}.yaml`)], envPath: process.env.PATH ?? '' });
  if (workspace.problems.length > 0) throw new Error(JSON.stringify(workspace.problems));
  const host = await loadHost(validators, root, hostFile, root);
  const { plan } = planSweep({
    workspace, flow: workspace.flows[0]!, margin: workspace.margins[0]!, host: host.facts, profile: 'none',
    runId: 'rr-20260102T030405Z-0a0b0c', createdAt: '2026-01-02T03:04:05.000Z', randomSeed: () => 1,
  });
  return packJobBundle({ root, plan, workspace, envPath: process.env.PATH ?? '', now: new Date() });
}

/** A copy of `b` unpacked, changed by `edit(bagDir)`, packed again, with a matching outer sha256. */
export async function tamper(b: JobBundle, edit: (bagDir: string) => void): Promise<JobBundle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-tamper-job-'));
  try {
    const file = path.join(dir, 'in.tar.gz');
    writeFileSync(file, Buffer.from(b.data, 'base64'));
    const x = path.join(dir, 'x');
    mkdirSync(x);
    await tar.x({ file, cwd: x });
    const [bag] = readdirSync(x);
    edit(path.join(x, bag!));
    const out = path.join(dir, 'out.tar.gz');
    await tar.c({ file: out, gzip: true, cwd: x, portable: true }, [bag!]);
    const bytes = readFileSync(out);
    return { ...b, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, data: bytes.toString('base64') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
