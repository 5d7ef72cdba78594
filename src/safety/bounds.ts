import type { PolicyBody } from '../config/schemas/index.js';

/** One bound after intersecting the site policy with a profile; each side names its file. */
export interface EffectiveBound {
  min?: number;
  max?: number;
  min_source?: string;
  max_source?: string;
}

/** The limits in force for a plan: site policy ∩ selected profile. */
export interface EffectiveBounds {
  rails: Record<string, EffectiveBound>;
  params: Record<string, EffectiveBound>;
  limits: {
    max_subruns: number;
    max_subruns_source: string;
    max_step_timeout_s?: number;
    max_step_timeout_s_source?: string;
    /** Set only by a policy; without one, planning applies defaultMaxStepInvocations. */
    max_step_invocations?: number;
    max_step_invocations_source?: string;
  };
  require_bounds_for_all_rails: boolean;
}

/** A policy body with the file it came from. */
export interface PolicySource {
  body: PolicyBody;
  file: string;
}

/** Sub-runs allowed when no policy sets `limits.max_subruns`. */
export const defaultMaxSubruns = 10_000;

/** Step invocations a plan may hold (sub-runs × steps per sub-run) when no policy sets `limits.max_step_invocations`. */
export const defaultMaxStepInvocations = 1_000_000;

function tighten(into: Record<string, EffectiveBound>, ranges: PolicyBody['bounds'], file: string): void {
  for (const [name, range] of Object.entries(ranges ?? {})) {
    const b = (into[name] ??= {});
    if (range.min !== undefined && (b.min === undefined || range.min > b.min)) {
      b.min = range.min;
      b.min_source = file;
    }
    if (range.max !== undefined && (b.max === undefined || range.max < b.max)) {
      b.max = range.max;
      b.max_source = file;
    }
  }
}

/**
 * Effective bounds = site policy ∩ profile. A profile can only tighten: each side of each
 * bound is the stricter of the two, and remembers which file set it.
 */
export function intersectPolicies(site: PolicySource, profile: PolicySource | null): EffectiveBounds {
  const layers = profile ? [site, profile] : [site];
  const rails: Record<string, EffectiveBound> = {};
  const params: Record<string, EffectiveBound> = {};
  const limits: EffectiveBounds['limits'] = { max_subruns: defaultMaxSubruns, max_subruns_source: 'road_runner default' };
  let requireAll = false;
  let requireSeen = false;
  for (const { body, file } of layers) {
    tighten(rails, body.bounds, file);
    tighten(params, body.params, file);
    const l = body.limits ?? {};
    if (l.max_subruns !== undefined && (limits.max_subruns_source === 'road_runner default' || l.max_subruns < limits.max_subruns)) {
      limits.max_subruns = l.max_subruns;
      limits.max_subruns_source = file;
    }
    if (l.max_step_timeout_s !== undefined && (limits.max_step_timeout_s === undefined || l.max_step_timeout_s < limits.max_step_timeout_s)) {
      limits.max_step_timeout_s = l.max_step_timeout_s;
      limits.max_step_timeout_s_source = file;
    }
    if (l.max_step_invocations !== undefined && (limits.max_step_invocations === undefined || l.max_step_invocations < limits.max_step_invocations)) {
      limits.max_step_invocations = l.max_step_invocations;
      limits.max_step_invocations_source = file;
    }
    if (body.require_bounds_for_all_rails !== undefined) {
      requireSeen = true;
      requireAll ||= body.require_bounds_for_all_rails;
    }
  }
  return { rails, params, limits, require_bounds_for_all_rails: requireSeen ? requireAll : true };
}

/** Why a value breaks a bound (naming the bound and its file), or null when it lies within. */
export function checkBound(bound: EffectiveBound | undefined, value: number): string | null {
  if (!bound) return null;
  if (bound.min !== undefined && bound.max !== undefined && bound.min > bound.max) {
    return `${value} is out of bounds: min ${bound.min} (${bound.min_source}) is above max ${bound.max} (${bound.max_source}), so no value is allowed`;
  }
  if (bound.min !== undefined && value < bound.min) return `${value} is below min ${bound.min} set by ${bound.min_source}`;
  if (bound.max !== undefined && value > bound.max) return `${value} is above max ${bound.max} set by ${bound.max_source}`;
  return null;
}

/**
 * The runtime gate for a rail value: null when it may be applied, else why not. Every
 * actuator call goes through this, right before the value is set.
 */
export function checkRailValue(bounds: EffectiveBounds, rail: string, value: number): string | null {
  if (!Number.isFinite(value)) return `rail ${rail}: ${value} is not a finite number`;
  const bound = bounds.rails[rail];
  if (!bound && bounds.require_bounds_for_all_rails) {
    return `rail ${rail}: ${value} is not allowed: the policy has no bound for ${rail} (require_bounds_for_all_rails)`;
  }
  const why = checkBound(bound, value);
  return why ? `rail ${rail}: ${why}` : null;
}

/** Human lines describing effective bounds, for `policy show` and the run confirmation. */
export function describeBounds(bounds: EffectiveBounds): string[] {
  const side = (v: number | undefined, src: string | undefined) => (v === undefined ? '—' : `${v} (${src})`);
  const lines = Object.entries(bounds.rails).map(([rail, b]) => `rail ${rail}: min ${side(b.min, b.min_source)}, max ${side(b.max, b.max_source)}`);
  for (const [param, b] of Object.entries(bounds.params)) lines.push(`param ${param}: min ${side(b.min, b.min_source)}, max ${side(b.max, b.max_source)}`);
  lines.push(`max sub-runs: ${bounds.limits.max_subruns} (${bounds.limits.max_subruns_source})`);
  if (bounds.limits.max_step_timeout_s !== undefined) {
    lines.push(`max step timeout: ${bounds.limits.max_step_timeout_s} s (${bounds.limits.max_step_timeout_s_source})`);
  }
  if (bounds.limits.max_step_invocations !== undefined) {
    lines.push(`max step invocations: ${bounds.limits.max_step_invocations} (${bounds.limits.max_step_invocations_source})`);
  }
  lines.push(`every rail needs a bound: ${bounds.require_bounds_for_all_rails ? 'yes' : 'no'}`);
  return lines;
}

/**
 * The stricter of two sets of effective bounds, side by side: e.g. the bounds in force now and
 * those recorded with a run (a recorded copy can only tighten). On a tie `first` keeps the side.
 */
export function tightenBounds(first: EffectiveBounds, second: EffectiveBounds): EffectiveBounds {
  const merge = (a: Record<string, EffectiveBound>, b: Record<string, EffectiveBound>): Record<string, EffectiveBound> => {
    const out: Record<string, EffectiveBound> = {};
    for (const [name, bound] of Object.entries(a)) out[name] = { ...bound };
    for (const [name, bound] of Object.entries(b)) {
      const into = (out[name] ??= {});
      if (bound.min !== undefined && (into.min === undefined || bound.min > into.min)) {
        into.min = bound.min;
        into.min_source = bound.min_source;
      }
      if (bound.max !== undefined && (into.max === undefined || bound.max < into.max)) {
        into.max = bound.max;
        into.max_source = bound.max_source;
      }
    }
    return out;
  };
  const limits = { ...first.limits };
  if (second.limits.max_subruns < limits.max_subruns) {
    limits.max_subruns = second.limits.max_subruns;
    limits.max_subruns_source = second.limits.max_subruns_source;
  }
  const timeout = second.limits.max_step_timeout_s;
  if (timeout !== undefined && (limits.max_step_timeout_s === undefined || timeout < limits.max_step_timeout_s)) {
    limits.max_step_timeout_s = timeout;
    limits.max_step_timeout_s_source = second.limits.max_step_timeout_s_source;
  }
  return {
    rails: merge(first.rails, second.rails),
    params: merge(first.params, second.params),
    limits,
    require_bounds_for_all_rails: first.require_bounds_for_all_rails || second.require_bounds_for_all_rails,
  };
}

/** The same bounds with every source marked as recorded (`… (recorded with run X)`). */
export function labelRecorded(bounds: EffectiveBounds, label: string): EffectiveBounds {
  const relabel = (ranges: Record<string, EffectiveBound>): Record<string, EffectiveBound> => {
    const out: Record<string, EffectiveBound> = {};
    for (const [name, b] of Object.entries(ranges)) {
      out[name] = {
        ...b,
        ...(b.min_source !== undefined ? { min_source: `${b.min_source} (${label})` } : {}),
        ...(b.max_source !== undefined ? { max_source: `${b.max_source} (${label})` } : {}),
      };
    }
    return out;
  };
  const l = bounds.limits;
  return {
    rails: relabel(bounds.rails),
    params: relabel(bounds.params),
    limits: {
      ...l,
      max_subruns_source: `${l.max_subruns_source} (${label})`,
      ...(l.max_step_timeout_s_source !== undefined ? { max_step_timeout_s_source: `${l.max_step_timeout_s_source} (${label})` } : {}),
    },
    require_bounds_for_all_rails: bounds.require_bounds_for_all_rails,
  };
}
