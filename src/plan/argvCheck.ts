import type { Problem } from '../errors.js';
import { argBytes, maxArgvEnvBytes } from '../config/argLimits.js';
import type { DiagAdapter, Flow } from '../config/schemas/index.js';
import type { Loaded } from '../config/workspaceTypes.js';
import { problemAt } from '../config/yamlSource.js';
import type { PlannedStep } from './types.js';

/** Room kept for the `RR_*` variables of a step (ids, unit, seed, one RR_MARGIN_* per rail). */
const rrEnvReserveBytes = 16 * 1024;

/**
 * Checks that every planned step's argv and environment additions fit in what the kernel
 * hands a new process (each string was checked on its own when the files were validated:
 * NUL bytes, MAX_ARG_STRLEN). Steps are shared by every sub-run and repeats share their argv,
 * so each distinct argv is measured once. A problem names the flow step (file:line:col).
 */
export function checkStepArgv(steps: PlannedStep[], flow: Loaded<Flow>, adapters: Record<string, DiagAdapter>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string[]>();
  const reported = new Set<string>();
  for (const step of steps) {
    if (seen.has(step.argv)) continue;
    seen.add(step.argv);
    let bytes = rrEnvReserveBytes;
    for (const arg of step.argv) bytes += argBytes(arg);
    for (const [k, v] of Object.entries(adapters[step.adapter]?.env ?? {})) bytes += argBytes(`${k}=${v}`);
    if (bytes <= maxArgvEnvBytes || reported.has(step.step_id)) continue;
    reported.add(step.step_id);
    const index = flow.data.steps.findIndex((s) => s.id === step.step_id);
    problems.push(problemAt(flow.source, `/steps/${index}`,
      `step "${step.step_id}"${step.expansions > 1 ? ` #${step.expansion}` : ''} (every sub-run) needs ${bytes.toLocaleString('en-US')} bytes of arguments and environment; a process can be given at most ${maxArgvEnvBytes.toLocaleString('en-US')} here (ARG_MAX, less room for the inherited environment)`,
      'pass long data in a file and give the diagnostic its name'));
  }
  return problems;
}
