// Two plannings of the same inputs compared: what may legitimately differ between them is
// blanked out (ids, timestamps, input paths, a replay's link to its bundle), the rest must match.
// rerun and rerun-last compare with it; replay also ignores why a profile was chosen.

import type { Plan } from './types.js';

/** The plan without ids, timestamps, input paths and a replay's link (and, with `ignoreProfileReasons`, the wording of why a profile was chosen). */
export function comparablePlan(plan: Plan, opts: { ignoreProfileReasons?: boolean } = {}): unknown {
  return {
    ...plan,
    replay_of: undefined,
    run_id: undefined,
    created_at: undefined,
    seed_source: undefined,
    ...(opts.ignoreProfileReasons ? { profile_reasons: undefined } : {}),
    inputs: plan.inputs.map((i) => ({ role: i.role, sha256: i.sha256 })),
    subruns: plan.subruns.map((s) => ({ ...s, id: s.id.slice(plan.run_id.length) })),
  };
}
