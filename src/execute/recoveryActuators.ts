// The rail actuators crash recovery restores with: the byte copies of the rail manifests in
// the crashed run's inputs/ folder (as they were when it started), or, when the operator asks
// for it (`recover --with-current-adapters`), today's manifests in the workspace's adapters/.
// Each actuator comes with the manifest it was built from and that file's hash, so recovery
// can say which one it used and record it in the run.

import path from 'node:path';
import { ConfigError, formatProblem, type Problem } from '../errors.js';
import type { RailAdapter } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type Loaded } from '../config/workspaceTypes.js';
import { resolveExecutable } from '../workspace/executable.js';
import { listYamlFiles } from '../workspace/load.js';
import { readSource } from '../workspace/readSource.js';
import { buildActuators } from './actuators.js';
import type { RailActuator } from './rails.js';

/** Where recovery takes its rail manifests from. */
export type AdapterSource = 'recorded' | 'workspace';

/** An actuator for one rail, or why there is none. */
export interface RecoveryActuator {
  rail: string;
  /** The adapter name, when a manifest for the rail was found. */
  adapter: string | null;
  /** The manifest file, relative to the workspace root. */
  manifest: string | null;
  manifest_sha256: string | null;
  actuator: RailActuator | null;
  /** Why no actuator could be built, when `actuator` is null. */
  missing: string | null;
}

/**
 * Actuators for the journal's rails from `source`. `recorded`: the copies in the run's
 * inputs/ (an unreadable copy only costs its rail). `workspace`: adapters/ as it is now; a
 * rail manifest there that does not validate is an input error (exit 2), nothing is called.
 */
export function loadRecoveryActuators(
  root: string, runDir: string, rails: Record<string, { nominal: number; adapter: string }>, source: AdapterSource, validators: Validators, envPath: string,
): RecoveryActuator[] {
  const base = source === 'recorded' ? path.join(runDir, 'inputs') : root;
  const { manifests, problems } = readRailManifests(base, validators, root);
  if (source === 'workspace' && problems.length > 0) {
    throw new ConfigError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} in today's rail manifests; nothing was restored:\n${problems.map(formatProblem).join('\n')}`);
  }
  return Object.entries(rails).map(([rail, entry]) => {
    const none = (missing: string, m?: Loaded<RailAdapter> & { file: string }): RecoveryActuator => ({
      rail, adapter: m?.data.name ?? null, manifest: m ? shown(root, m.file) : null, manifest_sha256: m?.sha256 ?? null, actuator: null, missing,
    });
    const forRail = manifests.filter((m) => m.data.rail === rail);
    // The recorded run named its adapter; today's workspace may have renamed it (one actuator per rail).
    const byName = forRail.filter((m) => m.data.name === entry.adapter);
    const candidates = byName.length > 0 ? byName : source === 'workspace' ? forRail : [];
    const where = source === 'recorded' ? `the recorded copies in ${shown(root, path.join(base, 'adapters'))}` : 'adapters/';
    const unreadable = problems.length > 0 ? ` (unreadable: ${problems.map(formatProblem).join('; ')})` : '';
    if (candidates.length === 0) return none(`no rail manifest for ${rail} (adapter ${entry.adapter}) in ${where}${unreadable}`);
    if (candidates.length > 1) return none(`${candidates.length} rail manifests actuate ${rail} in ${where}: ${candidates.map((m) => shown(root, m.file)).join(', ')}; keep one`);
    const m = candidates[0]!;
    const { ref, problem } = resolveExecutable(root, m, envPath);
    if (!ref) return none(`its executable cannot be used: ${problem ? problem.message : 'unknown'}`, m);
    const actuator = buildActuators(root, [rail], [m.data], { [m.data.name]: ref })[rail] ?? null;
    return { rail, adapter: m.data.name, manifest: shown(root, m.file), manifest_sha256: m.sha256, actuator, missing: actuator ? null : 'no actuator could be built' };
  });
}

function readRailManifests(base: string, validators: Validators, root: string): { manifests: (Loaded<RailAdapter> & { file: string })[]; problems: Problem[] } {
  const manifests: (Loaded<RailAdapter> & { file: string })[] = [];
  const problems: Problem[] = [];
  for (const file of listYamlFiles(base, 'adapters')) {
    let isRail = true;
    const kindOf = (d: unknown) => {
      isRail = (d as { kind?: unknown }).kind === 'rail';
      return isRail ? 'rail-adapter' as const : 'diag-adapter' as const;
    };
    const read = readSource<RailAdapter>(validators, kindOf, file, shown(root, file), base);
    // A diagnostic's manifest is no concern of recovery, broken or not.
    if (!isRail) continue;
    problems.push(...read.problems);
    if (read.loaded && isRailAdapter(read.loaded.data)) manifests.push({ ...read.loaded, file });
  }
  return { manifests, problems };
}

function shown(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}
