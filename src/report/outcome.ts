// How a sub-run is classified on the shmoo plot and in the tables: its recorded status,
// sharpened by the worst step it ran (a failed sub-run whose worst step timed out is `timeout`).
import type { RunStatus, StepStatus } from '../records/recordTypes.js';

/** What a shmoo cell shows for one sub-run. */
export type SubrunOutcome = 'passed' | 'marginal' | 'failed' | 'timeout' | 'error' | 'crashed' | 'interrupted' | 'aborted' | 'planned';

/** Every outcome in legend order, with its label and the glyph drawn in large cells. */
export const OUTCOMES: readonly { outcome: SubrunOutcome; label: string; glyph: string }[] = [
  { outcome: 'passed', label: 'passed', glyph: 'P' },
  { outcome: 'marginal', label: 'marginal (steps passed; a metric in its marginal band, or new corrected memory errors)', glyph: 'M' },
  { outcome: 'failed', label: 'failed', glyph: 'F' },
  { outcome: 'timeout', label: 'timeout (worst step timed out)', glyph: 'T' },
  { outcome: 'error', label: 'error (a step could not run)', glyph: 'E' },
  { outcome: 'crashed', label: 'crashed', glyph: 'C' },
  { outcome: 'interrupted', label: 'interrupted', glyph: 'I' },
  { outcome: 'aborted', label: 'aborted', glyph: 'A' },
  { outcome: 'planned', label: 'not run (planned)', glyph: '·' },
];

/** A step status as recorded by step_end, or a start without an end (counted as interrupted). */
export type EndedStepStatus = Exclude<StepStatus, 'skipped'>;

const SEVERITY: Record<EndedStepStatus, number> = { passed: 0, failed: 1, timeout: 2, error: 3, interrupted: 4 };

/** Returns the worse of two step statuses (null means no step ran yet). */
export function pickWorseStatus(a: EndedStepStatus | null, b: EndedStepStatus): EndedStepStatus {
  return a === null || SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** Tells whether a step status deserves failure details (stderr/stdout tails). */
export function isFailureStatus(status: string): boolean {
  return status === 'failed' || status === 'timeout' || status === 'error';
}

/**
 * Classifies a sub-run from its recorded status (undefined when no summary says) and the worst
 * step status seen in steps.ldjson (null when none ran).
 */
export function classifySubrun(status: RunStatus | undefined, worst: EndedStepStatus | null): SubrunOutcome {
  switch (status) {
    case 'passed':
    case 'marginal':
    case 'crashed':
    case 'interrupted':
    case 'aborted':
    case 'planned':
      return status;
    case 'failed':
      return worst === 'timeout' || worst === 'error' ? worst : 'failed';
    default:
      if (worst === null) return 'planned';
      return worst;
  }
}

/** The glyph of an outcome. */
export function glyphOf(outcome: SubrunOutcome): string {
  return OUTCOMES.find((o) => o.outcome === outcome)?.glyph ?? '?';
}
