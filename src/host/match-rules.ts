// The rules of a hardware profile's `match` object, each checked against host facts and
// explained in a short phrase, whether it held or not.

import type { HostFacts } from './facts.js';
import { compareVersions, parseVersionPrefix } from './kernel-version.js';
import type { ProfileMatch } from './match.js';

/** Outcome of one rule with its human-readable reason. */
export interface RuleCheck {
  ok: boolean;
  reason: string;
}

/** Evaluates each rule present in `match`, in a fixed order. */
export function checkProfileRules(facts: HostFacts, match: ProfileMatch | undefined): RuleCheck[] {
  const m = match ?? {};
  const checks: RuleCheck[] = [];
  const models: readonly string[] = typeof m.cpu_model_contains === 'string' ? [m.cpu_model_contains] : (m.cpu_model_contains ?? []);
  if (models.length > 0) checks.push(checkModel(facts, models));
  if (m.vendor !== undefined) checks.push(checkVendor(facts, m.vendor));
  if (m.arch !== undefined) checks.push(checkArch(facts, m.arch));
  if (m.min_cores !== undefined) checks.push(checkMinCores(facts, m.min_cores));
  if (m.max_cores !== undefined) checks.push(checkMaxCores(facts, m.max_cores));
  if (m.kernel_min !== undefined) checks.push(checkKernel(facts, String(m.kernel_min)));
  if (m.flags_include !== undefined && m.flags_include.length > 0) checks.push(checkFlags(facts, m.flags_include));
  return checks;
}

function checkModel(facts: HostFacts, needles: readonly string[]): RuleCheck {
  const wanted = needles.map((n) => `"${n}"`).join(', ');
  if (facts.modelNames.length === 0) {
    return { ok: false, reason: `model unknown (lscpu printed no "Model name"); wanted one containing ${wanted}` };
  }
  for (const model of facts.modelNames) {
    const needle = needles.find((n) => model.toLowerCase().includes(n.toLowerCase()));
    if (needle !== undefined) return { ok: true, reason: `model "${model}" contains "${needle}"` };
  }
  const host = facts.modelNames.map((n) => `"${n}"`).join(', ');
  const what = needles.length === 1 ? wanted : `any of ${wanted}`;
  return { ok: false, reason: `model ${host} does not contain ${what}` };
}

function checkVendor(facts: HostFacts, vendor: string): RuleCheck {
  if (facts.vendor === undefined) return { ok: false, reason: `vendor unknown; wanted "${vendor}"` };
  return facts.vendor.toLowerCase() === vendor.toLowerCase()
    ? { ok: true, reason: `vendor ${facts.vendor} is "${vendor}"` }
    : { ok: false, reason: `vendor ${facts.vendor} is not "${vendor}"` };
}

// `uname -m` says aarch64 where Debian/Apple say arm64, x86_64 where Debian says amd64.
const ARCH_ALIASES: Record<string, string> = { arm64: 'aarch64', amd64: 'x86_64' };

function normalizeArch(arch: string): string {
  const lower = arch.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

function checkArch(facts: HostFacts, arch: string): RuleCheck {
  if (facts.arch === undefined) return { ok: false, reason: `arch unknown; wanted "${arch}"` };
  return normalizeArch(facts.arch) === normalizeArch(arch)
    ? { ok: true, reason: `arch ${facts.arch} is "${arch}"` }
    : { ok: false, reason: `arch ${facts.arch} is not "${arch}"` };
}

function checkMinCores(facts: HostFacts, min: number): RuleCheck {
  const n = facts.totalCores;
  if (n === undefined) return { ok: false, reason: `core count unknown; min_cores ${min} needs it` };
  return n >= min
    ? { ok: true, reason: `${n} cores ≥ min_cores ${min}` }
    : { ok: false, reason: `${n} cores < min_cores ${min}` };
}

function checkMaxCores(facts: HostFacts, max: number): RuleCheck {
  const n = facts.totalCores;
  if (n === undefined) return { ok: false, reason: `core count unknown; max_cores ${max} needs it` };
  return n <= max
    ? { ok: true, reason: `${n} cores ≤ max_cores ${max}` }
    : { ok: false, reason: `${n} cores > max_cores ${max}` };
}

function checkKernel(facts: HostFacts, min: string): RuleCheck {
  const wanted = parseVersionPrefix(min);
  if (wanted === undefined) return { ok: false, reason: `kernel_min "${min}" is not a dotted version such as 5.15` };
  const release = facts.kernelRelease;
  if (release === undefined) return { ok: false, reason: `kernel release unknown; kernel_min ${min} needs it` };
  const actual = parseVersionPrefix(release);
  if (actual === undefined) return { ok: false, reason: `kernel ${release} has no version number to compare with ${min}` };
  return compareVersions(actual, wanted) >= 0
    ? { ok: true, reason: `kernel ${release} ≥ ${min}` }
    : { ok: false, reason: `kernel ${release} < ${min}` };
}

function checkFlags(facts: HostFacts, wanted: readonly string[]): RuleCheck {
  const have = new Set(facts.flags.map((f) => f.toLowerCase()));
  const missing = wanted.filter((f) => !have.has(f.toLowerCase()));
  return missing.length === 0
    ? { ok: true, reason: `flags include ${wanted.join(', ')}` }
    : { ok: false, reason: `flags missing ${missing.join(', ')} (of ${wanted.join(', ')})` };
}
