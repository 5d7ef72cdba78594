// What the probes of one column say about each of its points: the tallies, the verdict a
// report shows (pass / fail / flaky), and the search status that also knows whether a point
// still waits for its confirm or retest runs.

import type { PointVerdict, ProbeOutcome, ProbePurpose, ProbeRecord, SearchSpec } from './types.js';

/** The runs of one point of one column, in execution order. */
export interface PointRuns {
  value: number;
  outcomes: ProbeOutcome[];
  /** Why each run was run (parallel to outcomes). */
  purposes: ProbePurpose[];
  subruns: string[];
}

/** A point's tally with the verdict its outcomes give. */
export interface PointTally {
  value: number;
  verdict: PointVerdict;
  passes: number;
  fails: number;
  subruns: string[];
}

/**
 * Where a point stands in a search: `untested`; `confirming` (passed, fewer than `confirm`
 * times); `retesting` (failed, fewer than `retest` runs since its first fail); or decided.
 */
export type PointStatus = 'untested' | 'confirming' | 'retesting' | PointVerdict;

/** The confirm/retest settings that decide a point (and whether exploring passes count, see statusOf). */
export type DecideRule = Pick<SearchSpec, 'confirm' | 'retest'> & Partial<Pick<SearchSpec, 'explore'>>;

/** One run decides a point: the rule of a full grid. */
export const SINGLE_RUN: DecideRule = { confirm: 1, retest: 0 };

/** The records of one column grouped by value, in order of first appearance. */
export function groupRuns(history: readonly ProbeRecord[], column: string): Map<number, PointRuns> {
  const byValue = new Map<number, PointRuns>();
  for (const record of history) {
    if (record.column !== column) continue;
    let runs = byValue.get(record.value);
    if (runs === undefined) {
      runs = { value: record.value, outcomes: [], purposes: [], subruns: [] };
      byValue.set(record.value, runs);
    }
    runs.outcomes.push(record.outcome);
    runs.purposes.push(record.purpose);
    if (record.subrun_id !== undefined) runs.subruns.push(record.subrun_id);
  }
  return byValue;
}

/**
 * The search status of a point under the confirm/retest rule. With `explore: single` a pass of
 * an exploring probe (purpose `probe`) does not count towards `confirm`: the search picked the
 * point because it passed, so that pass is no evidence. Every fail counts, whatever its purpose.
 */
export function statusOf(runs: PointRuns | undefined, rule: DecideRule): PointStatus {
  if (runs === undefined) return 'untested';
  const outcomes = rule.explore === 'single' ? runs.outcomes.filter((o, i) => o === 'fail' || runs.purposes[i] !== 'probe') : runs.outcomes;
  if (outcomes.length === 0) return 'untested';
  const firstFail = outcomes.indexOf('fail');
  const passes = countPasses(outcomes);
  if (firstFail === -1) return passes >= Math.max(1, rule.confirm) ? 'pass' : 'confirming';
  const runsSinceFail = outcomes.length - 1 - firstFail;
  if (runsSinceFail < rule.retest) return 'retesting';
  return passes === 0 ? 'fail' : 'flaky';
}

/** A point's verdict from its outcomes alone: flaky when it both passed and failed. */
export function verdictOf(outcomes: readonly ProbeOutcome[]): PointVerdict {
  const passes = countPasses(outcomes);
  if (passes === outcomes.length) return 'pass';
  return passes === 0 ? 'fail' : 'flaky';
}

/** Every tested point of a column, ordered by value, with its tally and verdict. */
export function pointVerdicts(history: readonly ProbeRecord[], column: string): PointTally[] {
  return [...groupRuns(history, column).values()]
    .sort((a, b) => a.value - b.value)
    .map((runs) => {
      const passes = countPasses(runs.outcomes);
      return { value: runs.value, verdict: verdictOf(runs.outcomes), passes, fails: runs.outcomes.length - passes, subruns: runs.subruns };
    });
}

function countPasses(outcomes: readonly ProbeOutcome[]): number {
  let passes = 0;
  for (const outcome of outcomes) if (outcome === 'pass') passes++;
  return passes;
}
