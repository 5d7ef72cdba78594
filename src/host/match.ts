// Does a hardware profile (SPEC §3.5) apply to this host? Every rule in `match` must hold;
// each rule yields a short reason, passed or failed, so `plan` and `policy show` can say
// why a profile was or was not chosen.

import { nearest } from '../config/suggest.js';
import { UsageError } from '../errors.js';
import type { HostFacts } from './facts.js';
import { checkProfileRules } from './match-rules.js';

/** The `match` object of a hardware profile. */
export interface ProfileMatch {
  cpu_model_contains?: string | readonly string[];
  vendor?: string;
  arch?: string;
  min_cores?: number;
  max_cores?: number;
  kernel_min?: string;
  flags_include?: readonly string[];
}

/** A hardware profile as selection sees it: name, source file, priority and rules. */
export interface ProfileCandidate {
  name: string;
  file: string;
  priority: number;
  match: ProfileMatch;
}

export interface MatchResult {
  matched: boolean;
  reasons: string[];
}

/** Converts a validated profile document into a candidate (priority defaults to 0). */
export function toProfileCandidate(
  profile: { name: string; priority?: number; match?: ProfileMatch },
  file: string,
): ProfileCandidate {
  return { name: profile.name, file, priority: profile.priority ?? 0, match: profile.match ?? {} };
}

/** Checks every rule of a candidate against the host; matched only if all hold. */
export function matchProfile(facts: HostFacts, candidate: ProfileCandidate): MatchResult {
  const checks = checkProfileRules(facts, candidate.match);
  if (checks.length === 0) return { matched: true, reasons: ['no match rules (matches any host)'] };
  return { matched: checks.every((c) => c.ok), reasons: checks.map((c) => c.reason) };
}

/** How one candidate fared, for `plan` output and `policy show`. */
export interface ConsideredProfile {
  name: string;
  file: string;
  priority: number;
  matched: boolean;
  reasons: string[];
}

export interface ProfileSelection {
  selected: ProfileCandidate | null;
  reasons: string[];
  /** Every candidate, highest priority first, ties in name order. */
  considered: ConsideredProfile[];
}

/**
 * Chooses the hardware profile for a host: the highest-priority matching candidate (ties:
 * name order), or the one `--profile NAME` forces, or none for `--profile none`.
 */
export function selectProfile(facts: HostFacts, candidates: ProfileCandidate[], forced?: string): ProfileSelection {
  const ranked = [...candidates].sort(compareCandidates);
  const considered = ranked.map((c): ConsideredProfile => {
    const result = matchProfile(facts, c);
    return { name: c.name, file: c.file, priority: c.priority, matched: result.matched, reasons: result.reasons };
  });
  if (forced === 'none') {
    return { selected: null, reasons: ['--profile none: site policy only'], considered };
  }
  if (forced !== undefined) {
    return selectForced(facts, ranked, considered, forced);
  }
  const matching = ranked.filter((_, i) => considered[i]?.matched);
  const best = matching[0];
  if (best === undefined) {
    const why = candidates.length === 0
      ? 'no hardware profiles are defined; site policy only'
      : `no hardware profile matches this host (${candidates.length} considered); site policy only`;
    return { selected: null, reasons: [why], considered };
  }
  const reasons = [
    `selected "${best.name}" (priority ${best.priority}, ${best.file}): highest priority of ${matching.length} matching`,
  ];
  const tied = matching.filter((c) => c !== best && c.priority === best.priority).map((c) => `"${c.name}"`);
  if (tied.length > 0) reasons.push(`tie at priority ${best.priority} with ${tied.join(', ')}: name order chose "${best.name}"`);
  reasons.push(...(considered[ranked.indexOf(best)]?.reasons ?? []));
  return { selected: best, reasons, considered };
}

// Highest priority first; equal priorities in plain code-unit name order, then by file.
function compareCandidates(a: ProfileCandidate, b: ProfileCandidate): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return 0;
}

function selectForced(
  facts: HostFacts,
  ranked: ProfileCandidate[],
  considered: ConsideredProfile[],
  forced: string,
): ProfileSelection {
  const chosen = ranked.find((c) => c.name === forced);
  if (chosen === undefined) throw buildUnknownProfileError(forced, ranked.map((c) => c.name));
  const reasons = [`--profile ${forced}: forced (${chosen.file})`];
  const failed = checkProfileRules(facts, chosen.match).filter((c) => !c.ok);
  if (failed.length === 0) {
    reasons.push(`"${forced}" also matches this host`, ...matchProfile(facts, chosen).reasons);
  } else {
    reasons.push(`warning: "${forced}" does not match this host: ${failed.map((c) => c.reason).join('; ')}`);
  }
  return { selected: chosen, reasons, considered };
}

function buildUnknownProfileError(forced: string, names: string[]): UsageError {
  const hint = 'profile names are the `name` fields in policy/profiles/*.yaml; --profile none uses the site policy alone';
  if (names.length === 0) {
    return new UsageError(`unknown profile "${forced}" (--profile): no hardware profiles are defined`, hint);
  }
  const known = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const closest = findClosestName(forced, known);
  return new UsageError(
    `unknown profile "${forced}" (--profile); did you mean "${closest}"? Known profiles: ${known.join(', ')}`,
    hint,
  );
}

// Smallest edit distance; the sorted input makes ties fall to name order.
function findClosestName(target: string, sortedNames: string[]): string {
  return nearest(target, sortedNames)?.candidate ?? '';
}
