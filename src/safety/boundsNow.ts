// The bounds in force now (SPEC §5.4, §7): today's site policy ∩ the profile selected for this
// host today, then tightened by the bounds recorded with a run (a recorded copy can only
// tighten). What resume, rerun-last and recovery check every value against before it is applied.

import path from 'node:path';
import { ConfigError, type Problem } from '../errors.js';
import type { HardwareProfile, SafetyPolicy } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import type { Loaded } from '../config/workspaceTypes.js';
import type { HostFacts } from '../host/facts.js';
import { selectProfile, toProfileCandidate } from '../host/match.js';
import { listYamlFiles, policyFile } from '../workspace/load.js';
import { readSource } from '../workspace/readSource.js';
import { intersectPolicies, labelRecorded, tightenBounds, type EffectiveBounds } from './bounds.js';

/** Today's effective bounds for a host: the workspace's current policy files, read now. */
export function currentBounds(validators: Validators, root: string, host: HostFacts): { bounds: EffectiveBounds; profile: string | null } {
  const problems: Problem[] = [];
  const read = <T>(kind: 'safety-policy' | 'hardware-profile', abs: string): Loaded<T> | null => {
    const { loaded, problems: found } = readSource<T>(validators, kind, abs, path.relative(root, abs), root);
    problems.push(...found);
    return loaded;
  };
  const policy = read<SafetyPolicy>('safety-policy', path.join(root, policyFile));
  const profiles = listYamlFiles(root, 'policy/profiles').map((f) => read<HardwareProfile>('hardware-profile', f));
  if (!policy || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const loaded = profiles.filter((p): p is Loaded<HardwareProfile> => p !== null);
  const selection = selectProfile(host, loaded.map((p) => toProfileCandidate(p.data, p.source.file)));
  const profile = selection.selected ? loaded.find((p) => p.data.name === selection.selected!.name) ?? null : null;
  const bounds = intersectPolicies(
    { body: policy.data, file: policy.source.file },
    profile ? { body: profile.data.policy, file: profile.source.file } : null,
  );
  return { bounds, profile: profile?.data.name ?? null };
}

/**
 * The bounds a recorded run may apply values under now: today's bounds for this host,
 * tightened by the ones recorded with the run (their sources say so: `(recorded with …)`).
 */
export function boundsInForceNow(validators: Validators, root: string, host: HostFacts, recorded: EffectiveBounds, runId: string): EffectiveBounds {
  return tightenBounds(currentBounds(validators, root, host).bounds, labelRecorded(recorded, `recorded with ${runId}`));
}
