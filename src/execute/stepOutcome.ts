import type { DiagAdapter } from '../config/schemas/index.js';
import type { StepEndEvent } from '../records/recordTypes.js';
import type { LaunchResult } from './launch.js';

/** A finished step's status and, when it did not pass, the reason in one line. */
export interface StepOutcome {
  status: StepEndEvent['status'];
  error: string | null;
}

/** The part of a launch result the verdict reads. */
export type StepEnding = Pick<
  LaunchResult,
  'spawnError' | 'interrupted' | 'timedOut' | 'outputError' | 'exitCode' | 'signal' | 'failMatched' | 'failLine' | 'passMatched' | 'metrics'
>;

/**
 * Decides a step's status from how its process ended and the adapter's pass rules:
 * could not start → error; stopped by the user → interrupted; over time → timeout; killed by
 * a signal → failed; a fail-regex line → failed (whatever the exit code: it is evidence);
 * an `error_exit_codes` code, or an `error_unless_fail_line` code without a fail line → error;
 * any other code outside `exit_codes`, a missing pass-regex line, or too little work
 * (`min_work`) → failed.
 */
export function classifyStep(result: StepEnding, adapter: DiagAdapter, timeoutS: number): StepOutcome {
  const pass = adapter.pass ?? {};
  if (result.spawnError) return { status: 'error', error: result.spawnError };
  if (result.interrupted) return { status: 'interrupted', error: 'interrupted by the operator' };
  if (result.timedOut) return { status: 'timeout', error: `no exit within ${timeoutS} s; process group terminated` };
  if (result.outputError) return { status: 'error', error: `output could not be recorded: ${result.outputError}` };
  if (result.exitCode === null) return { status: 'failed', error: `killed by ${result.signal ?? 'a signal'}` };
  const meaning = pass.exit_code_meanings?.[String(result.exitCode)];
  const described = `exit code ${result.exitCode}${meaning ? ` (${meaning})` : ''}`;
  const passingCode = (pass.exit_codes ?? [0]).includes(result.exitCode);
  if (result.failMatched) {
    const line = result.failLine === null ? `output matched the fail pattern /${pass.stdout_fail_regex}/` : `failure line: ${result.failLine}`;
    return { status: 'failed', error: passingCode ? line : `${described}; ${line}` };
  }
  if ((pass.error_exit_codes ?? []).includes(result.exitCode)) return { status: 'error', error: described };
  if ((pass.error_unless_fail_line ?? []).includes(result.exitCode)) {
    return { status: 'error', error: `${described} without a failure line: the test did not run as asked` };
  }
  if (!passingCode) return { status: 'failed', error: described };
  if (pass.stdout_pass_regex !== undefined && !result.passMatched) {
    return { status: 'failed', error: `output never matched the pass pattern /${pass.stdout_pass_regex}/` };
  }
  const idle = describeMissingWork(result.metrics, adapter);
  if (idle !== null) return { status: 'failed', error: `did no work: ${idle}` };
  return { status: 'passed', error: null };
}

/**
 * What falls short of `pass.min_work`, or null when the work was done: the metric itself, or
 * every `<metric>.<instance>` of a per-instance metric, must be at least `min`.
 */
export function describeMissingWork(metrics: Record<string, number | string>, adapter: DiagAdapter): string | null {
  const guard = adapter.pass?.min_work;
  if (guard === undefined) return null;
  const perInstance = adapter.metrics?.[guard.metric]?.instance_group !== undefined;
  const prefix = `${guard.metric}.`;
  const values = Object.entries(metrics).filter(([name]) => (perInstance ? name.startsWith(prefix) : name === guard.metric));
  if (values.length === 0) {
    return guard.required === false ? null : `no ${guard.metric} value in the output (at least ${guard.min} expected)`;
  }
  const short = values.filter(([, value]) => typeof value !== 'number' || value < guard.min);
  if (short.length === 0) return null;
  return `${short.map(([name, value]) => `${name} = ${value}`).join(', ')} (at least ${guard.min} expected)`;
}
