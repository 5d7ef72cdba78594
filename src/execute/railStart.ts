// Before a run touches any rail (SPEC §3.1): every actuated rail's `preflight` runs (the
// actuator says whether it can work: driver present, write permission, value range), then each
// rail whose manifest says `nominal: read` is read; the value must be finite and inside the
// effective bounds. Anything wrong refuses the run with nothing touched and no journal.

import type { RailAdapter } from '../config/schemas/index.js';
import type { ExecutableRef } from '../config/workspaceTypes.js';
import type { Plan } from '../plan/types.js';
import { checkRailValue } from '../safety/bounds.js';
import { buildActuators, fixedNominal } from './actuators.js';
import { preflightRail, readRail } from './rails.js';

/** Why a run cannot start, and what to do about it. */
export interface RailStartRefusal {
  cause: string;
  fix: string;
}

/** The nominals read from the rails (rail → value), or why the run is refused. */
export type RailStart = { ok: true; nominals: Record<string, number> } | { ok: false; refusals: RailStartRefusal[] };

/** Runs the preflights, then reads the `nominal: read` rails; touches nothing. */
export async function prepareRails(root: string, plan: Plan, adapters: RailAdapter[], executables: Record<string, ExecutableRef>, env: Record<string, string>): Promise<RailStart> {
  const rails = Object.values(plan.rails).filter((r) => !r.passive && r.adapter !== null).map((r) => r.rail);
  const actuators = buildActuators(root, rails, adapters, executables);
  const refusals: RailStartRefusal[] = [];
  for (const rail of rails) {
    const act = actuators[rail];
    if (!act) continue;
    const why = await preflightRail(act, env);
    if (why !== null) refusals.push({ cause: `preflight of ${rail} failed: ${why}`, fix: `fix what the ${act.adapter} actuator reports (its preflight is \`${[act.file, ...(act.preflight ?? [])].join(' ')}\`), then run again` });
  }
  // Nothing is read from an actuator whose own check failed.
  if (refusals.length > 0) return { ok: false, refusals };
  const nominals: Record<string, number> = {};
  for (const rail of rails) {
    const act = actuators[rail];
    const manifest = adapters.find((a) => a.rail === rail);
    if (!act || !manifest || fixedNominal(manifest) !== null) continue;
    const read = await readRail(act, env);
    if (read.value === null) {
      refusals.push({ cause: `nominal of ${rail} could not be read: ${read.error}`, fix: `make \`${act.adapter} ${act.get.join(' ')}\` print the value its read rule expects, or give nominal a number` });
      continue;
    }
    const outside = checkRailValue(plan.bounds, rail, read.value);
    if (outside) {
      refusals.push({ cause: `nominal of ${rail} read from the hardware is ${read.value}, outside the bounds: ${outside}`, fix: 'put the rail back to its normal value by hand, or widen the bounds if that value is right' });
      continue;
    }
    nominals[rail] = read.value;
  }
  return refusals.length > 0 ? { ok: false, refusals } : { ok: true, nominals };
}
