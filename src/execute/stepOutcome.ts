import type { DiagAdapter } from '../config/schemas/index.js';
import type { StepEndEvent } from '../records/recordTypes.js';
import type { LaunchResult } from './launch.js';

/** A finished step's status and, when it did not pass, the reason in one line. */
export interface StepOutcome {
  status: StepEndEvent['status'];
  error: string | null;
}

/**
 * Decides a step's status from how its process ended and the adapter's pass rules:
 * could not start → error; stopped by the user → interrupted; over time → timeout;
 * an `error_exit_codes` code → error; any other code outside `exit_codes`, a fail-regex
 * line, or a missing pass-regex line → failed.
 */
export function classifyStep(result: LaunchResult, adapter: DiagAdapter, timeoutS: number): StepOutcome {
  const pass = adapter.pass ?? {};
  if (result.spawnError) return { status: 'error', error: result.spawnError };
  if (result.interrupted) return { status: 'interrupted', error: 'interrupted by the operator' };
  if (result.timedOut) return { status: 'timeout', error: `no exit within ${timeoutS} s; process group terminated` };
  if (result.outputError) return { status: 'error', error: `output could not be recorded: ${result.outputError}` };
  if (result.exitCode === null) return { status: 'failed', error: `killed by ${result.signal ?? 'a signal'}` };
  const meaning = pass.exit_code_meanings?.[String(result.exitCode)];
  const described = `exit code ${result.exitCode}${meaning ? ` (${meaning})` : ''}`;
  if ((pass.error_exit_codes ?? []).includes(result.exitCode)) return { status: 'error', error: described };
  if (!(pass.exit_codes ?? [0]).includes(result.exitCode)) return { status: 'failed', error: described };
  if (result.failMatched) return { status: 'failed', error: `output matched the fail pattern /${pass.stdout_fail_regex}/` };
  if (pass.stdout_pass_regex !== undefined && !result.passMatched) {
    return { status: 'failed', error: `output never matched the pass pattern /${pass.stdout_pass_regex}/` };
  }
  return { status: 'passed', error: null };
}
