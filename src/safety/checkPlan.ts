import type { Plan, PlannedStep } from '../plan/types.js';
import { checkBound, checkRailValue, type EffectiveBounds } from './bounds.js';

/**
 * Every way a plan breaks the effective bounds: rail values of every sub-run (default and
 * adapter-specific targets, after jitter), nominal values, numeric params and step timeouts.
 * Each violation names the sub-run or step, the value, the bound and the file that set it.
 */
export function checkPlan(plan: Plan): string[] {
  const { bounds } = plan;
  const out: string[] = [];
  for (const rail of Object.values(plan.rails)) {
    if (rail.passive || rail.nominal === null) continue;
    const why = checkRailValue(bounds, rail.rail, rail.nominal);
    if (why) out.push(`nominal of ${rail.rail} (adapter ${rail.adapter}): ${why}`);
  }
  // A plan of 100,000 sub-runs checks 100,000s of values: plain loops, no entry arrays. The
  // one predicate, checkRailValue, decides every value (it builds text only for violations).
  for (const sub of plan.subruns) {
    const margins = sub.margins;
    for (const rail of Object.keys(margins)) {
      const value = margins[rail]!;
      const why = checkRailValue(bounds, rail, value);
      if (why) out.push(`${sub.id}: ${why}`);
    }
    const byAdapter = sub.adapter_margins;
    for (const adapter of Object.keys(byAdapter)) {
      const rails = byAdapter[adapter]!;
      for (const rail of Object.keys(rails)) {
        const value = rails[rail]!;
        const why = checkRailValue(bounds, rail, value);
        if (why) out.push(`${sub.id} (while ${adapter} runs): ${why}`);
      }
    }
  }
  // Every sub-run shares the same step list, so params and timeouts are checked once.
  const steps = plan.subruns[0]?.steps ?? [];
  for (const step of steps) out.push(...checkStep(bounds, step));
  return out;
}

function checkStep(bounds: EffectiveBounds, step: PlannedStep): string[] {
  const out: string[] = [];
  const where = `step ${step.step_id}${step.expansions > 1 ? ` #${step.expansion}` : ''} (every sub-run)`;
  for (const [name, value] of Object.entries(step.params)) {
    if (typeof value !== 'number') continue;
    const why = checkBound(bounds.params[`${step.adapter}.${name}`], value);
    if (why) out.push(`${where}: param ${step.adapter}.${name}: ${why}`);
  }
  const limit = bounds.limits.max_step_timeout_s;
  if (limit !== undefined && step.timeout_s > limit) {
    out.push(`${where}: timeout ${step.timeout_s} s is above max_step_timeout_s ${limit} set by ${bounds.limits.max_step_timeout_s_source}`);
  }
  return out;
}
