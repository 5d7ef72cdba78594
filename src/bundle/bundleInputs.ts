// A bundle of just a plan's inputs, for `fleet submit` (one job per unit carries one):
//
//   const { tarGz, payload_sha256 } = await bundleInputs({ root, plan, workspace, envPath, now });
//
// API:
// - bundleInputs(req) → { tarGz: Buffer, payload_sha256, payload_bytes, payload_files }.
//   The same BagIt layout as a run's bundle (bag-info says `Road-Runner-Bundle: inputs`):
//   data/plan.json (the plan as given), data/inputs/… (byte copies of every file in
//   plan.inputs, paths relative to `root`, with data/inputs/.manifest.json in the format of a
//   run's inputs/), and data/executables.json (hashes of the adapters' executables in `root`).
//   openBundle() opens it; replay plans from it exactly as from a run's bundle (no --only).
// - bundleInputsToFile(req, file) writes the same bytes to a file, atomically.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Workspace } from '../config/workspaceTypes.js';
import { UsageError } from '../errors.js';
import { toolVersions } from '../execute/toolVersions.js';
import type { Plan } from '../plan/types.js';
import { copyInputs } from '../records/inputs.js';
import { BUNDLE_INFO_LABELS, PAYLOAD_FILES } from './bundleInfo.js';
import { hashPlanExecutables } from './executables.js';
import { writeBagFile, writeBagTarGz, type BagRequest, type BagWritten } from './writeBag.js';

/** A checked plan and the workspace it was planned from. */
export interface InputsBundleRequest {
  root: string;
  plan: Plan;
  workspace: Workspace;
  /** PATH used to find `search_path` executables. */
  envPath: string;
  now: Date;
  /** Shown in bag-info (the unit the job is for), optional. */
  unit?: string;
}

/** The bundle in memory, with its payload identity. */
export async function bundleInputs(req: InputsBundleRequest): Promise<BagWritten & { tarGz: Buffer }> {
  return withInputsBag(req, async (bag) => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const written = await writeBagTarGz(bag, sink);
    return { ...written, tarGz: Buffer.concat(chunks) };
  });
}

/** The same bundle written to `file` (temporary file + rename). */
export async function bundleInputsToFile(req: InputsBundleRequest, file: string): Promise<BagWritten> {
  return withInputsBag(req, (bag) => writeBagFile(bag, file));
}

// Copies the inputs into a scratch folder (as a run does, with their manifest), describes the bag, and removes the scratch folder after `use`.
async function withInputsBag<T>(req: InputsBundleRequest, use: (bag: BagRequest) => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(path.join(tmpdir(), `rr-inputs-${randomBytes(3).toString('hex')}-`));
  try {
    const inputsDir = path.join(scratch, PAYLOAD_FILES.inputs);
    const copies = await copyInputs(req.root, req.plan.inputs.map((i) => i.file), inputsDir);
    for (const c of copies) {
      const planned = req.plan.inputs.find((i) => path.resolve(req.root, i.file) === c.source);
      if (planned && planned.sha256 !== c.sha256) {
        throw new UsageError(`${c.source} changed since it was planned (sha256 ${c.sha256.slice(0, 12)}…, planned ${planned.sha256.slice(0, 12)}…)`, 'plan again, then bundle');
      }
    }
    const executables = await hashPlanExecutables(req.plan, req.workspace, req.root, req.envPath);
    const version = toolVersions().road_runner ?? 'unknown';
    return await use({
      name: `inputs-${req.plan.run_id}`,
      files: copies.map((c) => ({ from: path.join(inputsDir, ...c.path.split('/')), to: `${PAYLOAD_FILES.inputs}/${c.path}` })),
      texts: [
        { to: `${PAYLOAD_FILES.inputs}/.manifest.json`, text: `${JSON.stringify(copies, null, 2)}\n` },
        { to: PAYLOAD_FILES.plan, text: `${JSON.stringify(req.plan, null, 2)}\n` },
        { to: PAYLOAD_FILES.executables, text: `${JSON.stringify(executables, null, 2)}\n` },
      ],
      now: req.now,
      info: [
        [BUNDLE_INFO_LABELS.kind, 'inputs'],
        [BUNDLE_INFO_LABELS.runId, req.plan.run_id],
        [BUNDLE_INFO_LABELS.unit, req.unit ?? 'any'],
        [BUNDLE_INFO_LABELS.flow, req.plan.flow],
        [BUNDLE_INFO_LABELS.margin, req.plan.margin],
        [BUNDLE_INFO_LABELS.version, version],
        [BUNDLE_INFO_LABELS.agent, `road_runner ${version}`],
      ],
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
