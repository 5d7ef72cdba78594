// What a sub-run's health readings make of it (SPEC §5.3): an uncorrected error always fails it;
// a new corrected error (or a hardware-error line of the kernel log) does what the policy says.
// Pure: readings and policy in, verdict out.

import type { CorrectedErrorsPolicy, HealthVerdict, SubrunHealthReadings } from '../records/recordTypes.js';

/** The policy when policy/safety.yaml says nothing. */
export const DEFAULT_CORRECTED_ERRORS: CorrectedErrorsPolicy = 'marginal';

// A kernel line that says the error was not corrected (or was fatal) counts as uncorrected.
const UNCORRECTED_LINE = /\buncorrect|\bfatal\b/i;

/** The verdict on one sub-run's readings, and why when it is not `passed`. */
export function judgeHealth(h: SubrunHealthReadings, policy: CorrectedErrorsPolicy): { verdict: HealthVerdict; reason: string | null } {
  const uncorrectedLines = h.lines.filter((l) => UNCORRECTED_LINE.test(l)).length;
  const ue = h.ue_delta ?? 0;
  if (ue > 0 || uncorrectedLines > 0) {
    const parts = [];
    if (ue > 0) parts.push(`${ue} new uncorrected memory error(s)${describeControllers(h, 'ue')}`);
    if (uncorrectedLines > 0) parts.push(`${uncorrectedLines} kernel-log line(s) reporting an uncorrected or fatal hardware error`);
    return { verdict: 'failed', reason: `health: ${parts.join(', ')}` };
  }
  const ce = h.ce_delta ?? 0;
  const lines = h.kernel_lines ?? 0;
  if (ce === 0 && lines === 0) return { verdict: 'passed', reason: null };
  const parts = [];
  if (ce > 0) parts.push(`${ce} new corrected memory error(s)${describeControllers(h, 'ce')}`);
  if (lines > 0) parts.push(`${lines} hardware-error line(s) in the kernel log`);
  const what = parts.join(', ');
  if (policy === 'record') return { verdict: 'passed', reason: null };
  return { verdict: policy === 'fail' ? 'failed' : 'marginal', reason: `health: ${what} (policy health.corrected_errors: ${policy})` };
}

function describeControllers(h: SubrunHealthReadings, key: 'ce' | 'ue'): string {
  const hit = Object.entries(h.controllers).filter(([, c]) => c[key] > 0).map(([name, c]) => `${name} +${c[key]}`);
  return hit.length > 0 ? ` (${hit.join(', ')})` : '';
}
