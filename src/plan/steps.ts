import type { DiagAdapter, FlowStep, Scalar } from '../config/schemas/index.js';
import { stepLogName } from '../records/layout.js';
import type { PlannedStep } from './types.js';

/** Seconds a step may run when neither the flow nor the adapter says. */
export const defaultStepTimeoutS = 600;

/** Cartesian product of named value lists: declaration order, last varies fastest. */
export function cartesian(lists: [string, Scalar[]][]): Record<string, Scalar>[] {
  let combos: Record<string, Scalar>[] = [{}];
  for (const [name, values] of lists) {
    const next: Record<string, Scalar>[] = [];
    for (const combo of combos) for (const v of values) next.push({ ...combo, [name]: v });
    combos = next;
  }
  return combos;
}

/** The argv of one invocation: executable, the adapter's fixed args, then params in manifest order. */
export function buildArgv(executable: string, adapter: DiagAdapter, params: Record<string, Scalar>): string[] {
  const argv = [executable, ...(adapter.args ?? [])];
  for (const [name, spec] of Object.entries(adapter.params ?? {})) {
    const value = params[name];
    if (value === undefined) continue;
    if (spec.type === 'boolean') {
      if (value === true && spec.flag) argv.push(spec.flag);
      continue;
    }
    if (spec.flag) argv.push(spec.flag);
    argv.push(String(value));
  }
  return argv;
}

/**
 * Expands a flow's steps into the ordered invocations every sub-run executes: each step's sweep
 * (cartesian) times its repeat count, params merged over the adapter's defaults.
 */
export function expandSteps(
  steps: FlowStep[],
  adapters: Record<string, DiagAdapter>,
  executables: Record<string, string>,
): PlannedStep[] {
  const drafts: Omit<PlannedStep, 'index' | 'log_name'>[] = [];
  for (const step of steps) {
    const adapter = adapters[step.adapter]!;
    const defaults: Record<string, Scalar> = {};
    for (const [name, spec] of Object.entries(adapter.params ?? {})) if (spec.default !== undefined) defaults[name] = spec.default;
    const combos = cartesian(Object.entries(step.sweep ?? {}));
    const repeat = step.repeat ?? 1;
    const expansions = combos.length * repeat;
    let k = 0;
    for (const combo of combos) {
      const params = { ...defaults, ...(step.params ?? {}), ...combo };
      const argv = buildArgv(executables[step.adapter]!, adapter, params);
      for (let r = 0; r < repeat; r++) {
        drafts.push({
          step_id: step.id,
          adapter: step.adapter,
          params,
          argv,
          timeout_s: step.timeout_s ?? adapter.timeout_s ?? defaultStepTimeoutS,
          on_fail: step.on_fail ?? 'stop',
          ...(step.limits === undefined ? {} : { limits: step.limits }),
          expansion: k,
          expansions,
        });
        k += 1;
      }
    }
  }
  return drafts.map((d, i) => ({
    index: i,
    ...d,
    log_name: stepLogName(i, d.step_id, d.expansions > 1 ? d.expansion : undefined, drafts.length),
  }));
}
