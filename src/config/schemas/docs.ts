// What each input property means, for editors (hover text) and for the schema files. Kept
// apart from the schemas' constraints so both stay readable; documentSchema() puts these into
// a copy of each schema, and a test fails on any property without a description here or in
// the schema itself, and on any entry here that names no property.
//
// Keys are paths: `a.b` for a property, `a.*` for any key of a map, `a[]` for an array item.

const policyBody = {
  bounds: 'Hard limits per rail: rail name → {min, max}. Every planned, jittered, resumed and read-back value is checked against them.',
  'bounds.*.min': 'Lowest value allowed (inclusive), in the rail\'s unit.',
  'bounds.*.max': 'Highest value allowed (inclusive), in the rail\'s unit.',
  params: 'Limits on diagnostic parameters: "adapter.param" → {min, max}.',
  'params.*.min': 'Lowest value allowed for the parameter (inclusive).',
  'params.*.max': 'Highest value allowed for the parameter (inclusive).',
  limits: 'Limits on the size of a run.',
  'limits.max_subruns': 'Most sub-runs (margin points) one plan may have; a bigger sweep is refused before anything is expanded.',
  'limits.max_step_timeout_s': 'Longest timeout a step may have, in seconds.',
  require_bounds_for_all_rails: 'When true (the default), a rail used by a margin profile with no bound here is a safety violation.',
} as const;

function prefixed(prefix: string, docs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(docs).map(([k, v]) => [`${prefix}${k}`, v]));
}

export const propertyDocs: Record<string, Record<string, string>> = {
  'diag-adapter': {
    name: 'Adapter name, as flows refer to it in steps[].adapter; usually the file name without .yaml.',
    kind: 'diag (the default when absent): this manifest describes a diagnostic executable.',
    description: 'Free text shown in listings and reports.',
    executable: 'The program to run: a file in diags/ (or a path inside the workspace), or a bare name looked up on PATH when search_path is true.',
    args: 'Fixed arguments put before the parameters on every run.',
    timeout_s: 'Seconds a step of this adapter may run before its process group is stopped (TERM, then KILL); a flow step may override it.',
    params: 'Parameters the diagnostic accepts: name → how to check a value and turn it into arguments. Values come from flow steps (params, sweep).',
    'params.*.type': 'Type of the value: integer, number, string, boolean (a bare flag when true) or enum (one of values).',
    'params.*.description': 'Free text describing the parameter.',
    'params.*.min': 'Smallest value allowed (integer and number).',
    'params.*.max': 'Largest value allowed (integer and number).',
    'params.*.values': 'The allowed values of an enum parameter.',
    'params.*.pattern': 'Regular expression a string value must match.',
    'params.*.default': 'Value used when a flow step does not give one.',
    'params.*.required': 'When true, every flow step using this adapter must give a value (or a default must exist).',
    pass: 'How a finished step is judged passed or failed.',
    'pass.exit_codes': 'Exit codes that mean passed (default [0]); any other exit code means failed, unless listed in error_exit_codes or error_unless_fail_line.',
    'pass.exit_code_meanings': 'Exit code → what it means, shown with a failed or error step.',
    'pass.stdout_fail_regex': 'A line matching this regular expression makes the step failed, whatever its exit code.',
    'pass.stdout_pass_regex': 'When given, the step passes only if some line matches this regular expression.',
    metrics: 'Values captured from the output into the step record, reports and exports: name → {regex, type}.',
    'metrics.*.regex': 'Regular expression with a capture group for the value (see group); the last matching line gives the value.',
    'metrics.*.type': 'How the captured text is recorded: number, integer or string.',
    version_cmd: 'Command (argv) that prints the diagnostic\'s version, recorded in sysinfo.json.',
  },
  'rail-adapter': {
    name: 'Adapter name; usually the file name without .yaml.',
    kind: 'rail: this manifest describes an actuator that sets one voltage or frequency rail.',
    description: 'Free text shown in listings and reports.',
    rail: 'The rail this actuator sets, e.g. vcore_mv; margin profiles and the safety policy use the same name.',
    executable: 'The actuator program: a file in diags/ (or a path inside the workspace), or a bare name looked up on PATH when search_path is true.',
    search_path: 'Look a bare executable name up on PATH instead of in diags/.',
    set: 'Arguments that set the rail; "{value}" is replaced by the checked value.',
    get: 'Arguments that print the rail\'s current value (the read-back).',
    nominal: 'The rail\'s normal value: restored after every sub-run and on any abort, interrupt or crash recovery.',
    tolerance: 'Largest allowed difference between the value set and the value read back.',
    settle_ms: 'Milliseconds to wait after setting the rail before reading it back.',
    timeout_s: 'Seconds one set or get call may take.',
  },
  flow: {
    name: 'Flow name, as `run --flow NAME` refers to it; usually the file name without .yaml.',
    description: 'Free text shown in listings and reports.',
    steps: 'The diagnostic steps, run in this order in every sub-run (margin point).',
    'steps[].id': 'Step id, unique in the flow; names the step in logs, reports and exports.',
    'steps[].adapter': 'Name of the diagnostic adapter (adapters/<name>.yaml, kind diag) the step runs.',
    'steps[].description': 'Free text describing the step.',
    'steps[].params': 'Values for the adapter\'s parameters: param name → value.',
    'steps[].sweep': 'Param name → list of values; the step runs once per combination (cartesian, last varies fastest).',
    'steps[].repeat': 'Run the step this many times in a row (default 1).',
    'steps[].timeout_s': 'Seconds this step may run; overrides the adapter\'s timeout_s.',
    'steps[].on_fail': 'What a failed step does to the rest of the sub-run: stop (skip the remaining steps) or continue.',
  },
  margin: {
    name: 'Margin profile name, as `run --margin NAME` refers to it; usually the file name without .yaml.',
    description: 'Free text shown in listings and reports.',
    global_seed: 'Seed of the whole run (0 to 2^32-1); absent: a random seed, recorded in the summary. --seed overrides it.',
    'targets.*': 'The rails of one target: `default` (held for the whole sub-run) or an adapter name (held only while its steps run): rail → values.',
    'targets.*.*': 'Values of one rail: exactly one of sweep, values or fixed.',
    combine: 'How rails with several values combine into points: grid (every combination) or zip (the i-th values together).',
    'targets.*.*.sweep': 'Values from start to stop (inclusive) in steps of step.',
    'targets.*.*.sweep.start': 'First value of the sweep.',
    'targets.*.*.sweep.stop': 'Last value of the sweep (inclusive when reached by whole steps).',
    'targets.*.*.sweep.step': 'Distance between values; not zero, and with the sign that leads from start to stop.',
    'targets.*.*.values': 'An explicit list of values.',
    'targets.*.*.fixed': 'One value held for every point.',
    jitter: 'Seeded random offsets added to rail values: rail → {amplitude}. Jittered values are checked against the bounds again.',
    'jitter.*.amplitude': 'Largest offset either way (uniform in ±amplitude), in the rail\'s unit.',
  },
  'safety-policy': {
    description: 'Free text: who approved these limits, and for which hardware.',
    ...policyBody,
  },
  'hardware-profile': {
    name: 'Profile name, as `--profile NAME` refers to it.',
    description: 'Free text describing the hardware the profile is for.',
    priority: 'When several profiles match the host, the highest priority wins (ties: name order).',
    match: 'What the host must look like for this profile to apply (all given conditions must hold).',
    'match.cpu_model_contains': 'Text (or a list of texts, any of which) the CPU model name from lscpu must contain.',
    'match.vendor': 'CPU vendor from lscpu, e.g. GenuineIntel or AuthenticAMD.',
    'match.arch': 'Architecture from lscpu / uname, e.g. x86_64 or aarch64.',
    'match.min_cores': 'Fewest CPUs (as lscpu counts them) the host may have.',
    'match.max_cores': 'Most CPUs (as lscpu counts them) the host may have.',
    'match.kernel_min': 'Oldest kernel version, e.g. 5.14 (compared number by number).',
    'match.flags_include': 'CPU flags from lscpu that must all be present.',
    policy: 'Limits for this hardware; the effective bounds are the site policy intersected with these (a profile can only tighten).',
    ...prefixed('policy.', policyBody),
  },
  host: {
    lscpu: 'The output of `lscpu` on the host, as text.',
    uname: 'The output of `uname -a` on the host, as text.',
  },
};
