import type { Problem } from '../errors.js';
import { argStringProblem } from './argLimits.js';
import { compileLinearRegex, linearRegexError, linearRegexHint } from './linearRegex.js';
import { readRuleProblems } from './railRead.js';
import { checkParamValue } from './paramValue.js';
import type { DiagAdapter, Flow, ParamSpec, RailAdapter } from './schemas/index.js';
import { closest, suggestionFor } from './suggest.js';
import { isRailAdapter, type Loaded } from './workspaceTypes.js';
import { escapePointer, problemAt } from './yamlSource.js';

type AnyAdapter = Loaded<DiagAdapter | RailAdapter>;

/** Checks adapters against each other: unique names and rails, sound param specs and regexes. */
export function checkAdapters(adapters: AnyAdapter[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, string>();
  const rails = new Map<string, string>();
  for (const { source, data } of adapters) {
    const seen = names.get(data.name);
    if (seen !== undefined) {
      problems.push(problemAt(source, '/name', `adapter name "${data.name}" is already used by ${seen}`, 'give each adapter a unique name'));
    } else names.set(data.name, source.file);
    problems.push(...checkEnv(source, data), ...checkFixedArgs(source, data));
    if (isRailAdapter(data)) {
      const other = rails.get(data.rail);
      if (other !== undefined) {
        problems.push(problemAt(source, '/rail', `rail "${data.rail}" already has an actuator in ${other}`, 'keep one actuator per rail'));
      } else rails.set(data.rail, source.file);
      if (!data.set.some((arg) => arg.includes('{value}'))) {
        problems.push(problemAt(source, '/set', 'the set command never mentions {value}', 'put "{value}" where the rail value belongs, e.g. [set, vcore_mv, "{value}"]'));
      }
      // The read rule's regex (exactly one group, linear-time engine) and JSON pointer.
      for (const p of data.read ? readRuleProblems(data.read) : []) {
        problems.push(problemAt(source, p.key ? `/read/${p.key}` : '/read', p.message, p.hint));
      }
      continue;
    }
    for (const [name, spec] of Object.entries(data.params ?? {})) {
      problems.push(...checkParamSpec(source, name, spec));
    }
    const regexes: [string, string | undefined][] = [
      ['/pass/stdout_fail_regex', data.pass?.stdout_fail_regex],
      ['/pass/stdout_pass_regex', data.pass?.stdout_pass_regex],
      ...Object.entries(data.metrics ?? {}).map(([m, spec]): [string, string] => [`/metrics/${escapePointer(m)}/regex`, spec.regex]),
    ];
    for (const [ptr, regex] of regexes) {
      // Output rules run on the linear-time engine: what it cannot compile is an input error here.
      const err = regex === undefined ? null : linearRegexError(regex);
      if (err) problems.push(problemAt(source, ptr, `invalid regular expression ${err}`, linearRegexHint));
    }
    problems.push(...checkMetricGroups(source, data), ...checkVerdictRules(source, data));
  }
  return problems;
}

// A metric's `group` and `instance_group` must name capture groups its regex has, and differ.
function checkMetricGroups(source: AnyAdapter['source'], data: DiagAdapter): Problem[] {
  const problems: Problem[] = [];
  for (const [name, spec] of Object.entries(data.metrics ?? {})) {
    if (spec.group === undefined && spec.instance_group === undefined) continue;
    const ptr = `/metrics/${escapePointer(name)}`;
    let count: number;
    try {
      count = compileLinearRegex(spec.regex).groupCount;
    } catch {
      continue; // reported with the regex
    }
    for (const key of ['group', 'instance_group'] as const) {
      const group = spec[key];
      if (group !== undefined && group > count) {
        problems.push(problemAt(source, `${ptr}/${key}`, `${key} ${group} names no capture group: the regex has ${count}`,
          'put ( ) around the part of the line to capture, and count groups from 1 by their opening parenthesis'));
      }
    }
    if (spec.instance_group === undefined) continue;
    const valueGroup = spec.group ?? (spec.instance_group === 1 ? 2 : 1);
    if (valueGroup === spec.instance_group) {
      problems.push(problemAt(source, `${ptr}/group`, `the value and the instance name cannot come from the same group ${spec.instance_group}`,
        'capture the instance name and the value in two groups'));
    } else if (spec.group === undefined && valueGroup > count) {
      problems.push(problemAt(source, `${ptr}/instance_group`, `group ${spec.instance_group} names the instance, and the regex has no other capture group for the value`,
        'capture the value in a second group, e.g. "core ([0-9]+): ([0-9]+)"'));
    }
  }
  return problems;
}

// `min_work` names a numeric metric of the manifest; `error_unless_fail_line` needs a fail regex
// and shares no code with the other exit-code lists.
function checkVerdictRules(source: AnyAdapter['source'], data: DiagAdapter): Problem[] {
  const problems: Problem[] = [];
  const pass = data.pass ?? {};
  const guard = pass.min_work;
  if (guard !== undefined) {
    const metrics = Object.keys(data.metrics ?? {});
    const spec = data.metrics?.[guard.metric];
    if (spec === undefined) {
      problems.push(problemAt(source, '/pass/min_work/metric', `min_work names an unknown metric "${guard.metric}"`,
        metrics.length === 0 ? 'declare the metric under `metrics:` (e.g. bogo_ops: {regex: …, type: integer})' : suggestionFor(guard.metric, metrics, 'metric')));
    } else if (spec.type !== 'number' && spec.type !== 'integer') {
      problems.push(problemAt(source, '/pass/min_work/metric', `min_work needs a numeric metric, but "${guard.metric}" is recorded as ${spec.type ?? 'string'} text`,
        `give metric "${guard.metric}" \`type: integer\` or \`type: number\``));
    }
  }
  const unlessFail = pass.error_unless_fail_line ?? [];
  if (unlessFail.length > 0 && pass.stdout_fail_regex === undefined) {
    problems.push(problemAt(source, '/pass/error_unless_fail_line', 'error_unless_fail_line needs stdout_fail_regex: without it every such exit would be an error',
      'add the pattern of the tool\'s failure lines as pass.stdout_fail_regex'));
  }
  for (const [key, list] of [['exit_codes', pass.exit_codes ?? [0]], ['error_exit_codes', pass.error_exit_codes ?? []]] as const) {
    const shared = unlessFail.filter((code) => list.includes(code));
    if (shared.length > 0) {
      problems.push(problemAt(source, '/pass/error_unless_fail_line', `exit code ${shared.join(', ')} is also in pass.${key}`,
        'list each exit code in one of exit_codes, error_exit_codes and error_unless_fail_line'));
    }
  }
  return problems;
}

/**
 * An adapter's `env` is added on top of what road_runner sets: it must not override the
 * `RR_*` variables of SPEC §9, nor the dynamic loader (`LD_*`), nor `PATH` unless the adapter
 * looks its executable up on PATH anyway (`search_path: true`).
 */
function checkEnv(source: AnyAdapter['source'], data: DiagAdapter | RailAdapter): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(data.env ?? {})) {
    const ptr = `/env/${escapePointer(key)}`;
    if (key.startsWith('RR_')) {
      problems.push(problemAt(source, ptr, `env cannot set ${key}: RR_* variables are set by road_runner alone`, `remove ${key}; the run sets RR_RUN_ID, RR_MARGIN_<RAIL> and the rest itself`, true));
    } else if (key.startsWith('LD_')) {
      problems.push(problemAt(source, ptr, `env cannot set ${key}: it changes what the dynamic loader runs`, `remove ${key}; put what the executable needs inside diags/ or in a wrapper script there`, true));
    } else if (key === 'PATH' && data.search_path !== true) {
      problems.push(problemAt(source, ptr, 'env cannot set PATH unless the adapter says `search_path: true`', 'remove PATH, or set search_path: true if the executable is a command on PATH', true));
    }
    const unfit = argStringProblem(`${key}=${value}`);
    if (unfit) problems.push(problemAt(source, ptr, unfit.replace('the value', `the variable ${key}`), value.includes('\0') ? 'remove the NUL byte' : 'pass long data in a file'));
  }
  return problems;
}

// Fixed argument lists must be passable to a process as they are.
function checkFixedArgs(source: AnyAdapter['source'], data: DiagAdapter | RailAdapter): Problem[] {
  const lists: [string, string[] | undefined][] = isRailAdapter(data)
    ? [['set', data.set], ['get', data.get]]
    : [['args', data.args], ['version_cmd', data.version_cmd]];
  const problems: Problem[] = [];
  for (const [key, list] of lists) {
    (list ?? []).forEach((arg, i) => {
      const unfit = argStringProblem(arg);
      if (unfit) problems.push(problemAt(source, `/${key}/${i}`, unfit.replace('the value', 'the argument'), arg.includes('\0') ? 'remove the NUL byte' : 'pass long data in a file'));
    });
  }
  const unfit = argStringProblem(data.executable);
  if (unfit) problems.push(problemAt(source, '/executable', unfit.replace('the value', 'the executable name'), 'name a file inside diags/'));
  return problems;
}

// V8 says `Invalid regular expression: /x(/: Unterminated group`; keep the part after the prefix.
function checkParamSpec(source: Loaded<unknown>['source'], name: string, spec: ParamSpec): Problem[] {
  const ptr = `/params/${escapePointer(name)}`;
  const problems: Problem[] = [];
  if (spec.type === 'enum' && !spec.values) problems.push(problemAt(source, ptr, 'an enum param needs `values`', 'list the allowed values'));
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    problems.push(problemAt(source, `${ptr}/min`, `min ${spec.min} is greater than max ${spec.max}`));
  }
  if (spec.pattern !== undefined) {
    const err = linearRegexError(spec.pattern);
    if (err) problems.push(problemAt(source, `${ptr}/pattern`, `invalid regular expression ${err}`, linearRegexHint));
  }
  if (spec.default !== undefined) {
    const why = checkParamValue(spec, spec.default);
    if (why) problems.push(problemAt(source, `${ptr}/default`, `default does not fit the param: ${why}`));
  }
  return problems;
}

// What a param accepts, said in a hint after a value that does not fit.
function describeAccepted(adapter: Loaded<DiagAdapter>, name: string, spec: ParamSpec, value: unknown): string {
  if (spec.type === 'string' && typeof value === 'string') {
    if (argStringProblem(value) !== null) {
      return value.includes('\0') ? 'remove the NUL byte' : 'pass long data in a file and give the diagnostic its name';
    }
    if (value.startsWith('-') && spec.allow_dash !== true) {
      return `if the diagnostic really takes such a value, add \`allow_dash: true\` to param "${name}" of ${adapter.source.file}`;
    }
  }
  if (spec.type === 'enum' && typeof value === 'string') {
    const near = closest(value, (spec.values ?? []).map(String));
    if (near !== undefined) return `did you mean "${near}"?`;
  }
  const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}`
    : spec.min !== undefined ? ` of at least ${spec.min}` : spec.max !== undefined ? ` of at most ${spec.max}` : '';
  const kinds = { integer: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text', enum: 'one of its values' };
  const pattern = spec.type === 'string' && spec.pattern !== undefined ? ` matching /${spec.pattern}/` : '';
  return `param "${name}" of ${adapter.source.file} takes ${kinds[spec.type]}${range}${pattern}`;
}

/**
 * Checks a flow against the adapters: known adapters and params, valid values, unique step
 * ids. Steps naming an adapter in `unloaded` (a file that failed to load) are skipped.
 */
export function checkFlow(flow: Loaded<Flow>, adapters: AnyAdapter[], unloaded: string[] = []): Problem[] {
  const { source, data } = flow;
  const problems: Problem[] = [];
  const diags = new Map<string, Loaded<DiagAdapter>>();
  // The first adapter of a name wins, as checkAdapters reports the later ones.
  for (const a of adapters) if (!isRailAdapter(a.data) && !diags.has(a.data.name)) diags.set(a.data.name, a as Loaded<DiagAdapter>);
  const ids = new Map<string, number>();
  data.steps.forEach((step, i) => {
    const base = `/steps/${i}`;
    const first = ids.get(step.id);
    if (first !== undefined) {
      problems.push(problemAt(source, `${base}/id`, `step id "${step.id}" is already used by steps[${first}]`, 'step ids must be unique within a flow'));
    } else ids.set(step.id, i);
    const loadedAdapter = diags.get(step.adapter);
    if (!loadedAdapter && unloaded.includes(step.adapter)) return;
    if (!loadedAdapter) {
      const isRail = adapters.some((a) => a.data.name === step.adapter);
      problems.push(problemAt(source, `${base}/adapter`,
        isRail ? `"${step.adapter}" is a rail actuator, not a diagnostic` : `unknown adapter "${step.adapter}"`,
        suggestionFor(step.adapter, [...diags.keys()], 'diagnostic adapter')));
      return;
    }
    const adapter = loadedAdapter.data;
    const specs = adapter.params ?? {};
    const known = Object.keys(specs);
    // Fixed params and swept values are checked alike: each value against the adapter's spec.
    const given = [
      ...Object.entries(step.params ?? {}).map(([name, value]) => {
        const ptr = `${base}/params/${escapePointer(name)}`;
        return { name, ptr, values: [[ptr, value] as const], swept: false };
      }),
      ...Object.entries(step.sweep ?? {}).map(([name, values]) => {
        const ptr = `${base}/sweep/${escapePointer(name)}`;
        return { name, ptr, values: values.map((value, k) => [`${ptr}/${k}`, value] as const), swept: true };
      }),
    ];
    for (const { name, ptr, values, swept } of given) {
      const spec = specs[name];
      if (!spec) {
        problems.push(problemAt(source, ptr, `adapter "${adapter.name}" has no param "${name}"`, suggestionFor(name, known, 'param'), true));
        continue;
      }
      for (const [at, value] of values) {
        const why = checkParamValue(spec, value);
        if (why) problems.push(problemAt(source, at, why, describeAccepted(loadedAdapter, name, spec, value)));
      }
      if (!swept && step.sweep?.[name] !== undefined) {
        problems.push(problemAt(source, ptr, `param "${name}" is set in both params and sweep`, 'keep it in one of the two', true));
      }
    }
    for (const [name, spec] of Object.entries(specs)) {
      const given = step.params?.[name] !== undefined || step.sweep?.[name] !== undefined || spec.default !== undefined;
      if (spec.required && !given) {
        problems.push(problemAt(source, base, `step "${step.id}" does not set required param "${name}" of adapter "${adapter.name}"`,
          `add \`params: {${name}: …}\` to the step`));
      }
    }
    problems.push(...checkStepLimits(flow, i, adapter));
  });
  return problems;
}

// Each limit names a numeric metric of the step's adapter, and its bounds are ordered:
// min ≤ marginal_min ≤ marginal_max ≤ max (each pair only where both are given).
function checkStepLimits(flow: Loaded<Flow>, i: number, adapter: DiagAdapter): Problem[] {
  const { source, data } = flow;
  const problems: Problem[] = [];
  const metrics = adapter.metrics ?? {};
  for (const [name, limit] of Object.entries(data.steps[i]!.limits ?? {})) {
    const ptr = `/steps/${i}/limits/${escapePointer(name)}`;
    const spec = metrics[name];
    if (spec === undefined) {
      const known = Object.keys(metrics);
      problems.push(problemAt(source, ptr, `adapter "${adapter.name}" has no metric "${name}"`,
        known.length === 0 ? `declare it under \`metrics:\` in the adapter "${adapter.name}" (e.g. ${name}: {regex: "${name}=([0-9.]+)", type: number})` : suggestionFor(name, known, 'metric'), true));
      continue;
    }
    if (spec.type !== 'number' && spec.type !== 'integer') {
      problems.push(problemAt(source, ptr, `limits need a numeric metric, but "${name}" of adapter "${adapter.name}" is recorded as ${spec.type ?? 'string'} text`,
        `give metric "${name}" \`type: number\` or \`type: integer\` in the adapter`, true));
      continue;
    }
    const order = ['min', 'marginal_min', 'marginal_max', 'max'] as const;
    for (let a = 0; a < order.length; a++) {
      for (let b = a + 1; b < order.length; b++) {
        const lo = limit[order[a]!];
        const hi = limit[order[b]!];
        if (lo === undefined || hi === undefined || lo <= hi) continue;
        problems.push(problemAt(source, `${ptr}/${order[b]}`, `${order[b]} (${hi}) is below ${order[a]} (${lo}) for metric "${name}"`,
          'order the bounds min ≤ marginal_min ≤ marginal_max ≤ max (all inclusive)'));
      }
    }
  }
  return problems;
}
