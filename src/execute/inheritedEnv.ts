// The environment a run's children inherit. A diagnostic gets road_runner's own environment
// without any of the operator's `RR_*` variables (RR_ROOT, RR_HOST_FILE, a stray
// RR_MARGIN_VCORE_MV left in the shell): only the run sets RR_* for it (SPEC §5.2, §15).
// An actuator loses the RR_* names road_runner itself defines (its options and the run
// variables of §9, every RR_MARGIN_* included) but keeps other RR_* variables: those configure
// actuators, e.g. a fake sysfs root for tests (§3.1) or the simulated rail's state folder.

type Env = Readonly<Record<string, string | undefined>>;

const runVariables = new Set(['RR_ROOT', 'RR_HOST_FILE', 'RR_RUN_ID', 'RR_SUBRUN_ID', 'RR_UNIT', 'RR_SEED', 'RR_STEP_ID']);

function copyWithout(env: Env, drop: (key: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env)) {
    const value = env[key];
    if (value === undefined || drop(key)) continue;
    out[key] = value;
  }
  return out;
}

/** A copy of `env` without any `RR_*` variable, for diagnostics. Made once per run. */
export function inheritableEnvironment(env: Env = process.env): Record<string, string> {
  return copyWithout(env, (key) => key.startsWith('RR_'));
}

/** A copy of `env` without road_runner's own RR_* names (options, run variables, RR_MARGIN_*), for actuators. */
export function actuatorInheritedEnvironment(env: Env = process.env): Record<string, string> {
  return copyWithout(env, (key) => runVariables.has(key) || key.startsWith('RR_MARGIN_'));
}
