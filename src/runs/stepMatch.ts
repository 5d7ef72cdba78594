// Steps of two matched sub-runs, paired by step id and occurrence (`patterns#2` is the second
// invocation of flow step `patterns`: its second sweep expansion or repeat), so a flow that
// gained or lost a step still lines up by name rather than by position.

import { keySteps } from './pointKey.js';

/** The part of a step record a comparison needs. */
export interface StepLike {
  index: number;
  step_id: string;
  status: string;
}

/** A step whose status differs (null: the step is absent from that run's sub-run). */
export interface StepChange {
  step: string;
  a_status: string | null;
  b_status: string | null;
}

/** Two steps that match. */
export interface MatchedStep {
  a_index: number;
  b_index: number;
  label: string;
}

/** Pairs the steps of two sub-runs; returns status changes (A's order, then B-only steps) and the matched pairs. */
export function compareSteps(a: readonly StepLike[], b: readonly StepLike[]): { changes: StepChange[]; matched: MatchedStep[] } {
  const keyedB = new Map(keySteps(b).map((k) => [k.key, k]));
  const changes: StepChange[] = [];
  const matched: MatchedStep[] = [];
  for (const ka of keySteps(a)) {
    const kb = keyedB.get(ka.key);
    const label = labelStep(ka.step.step_id, ka.occurrence, Math.max(ka.occurrences, kb?.occurrences ?? 0));
    if (kb === undefined) {
      changes.push({ step: label, a_status: ka.step.status, b_status: null });
      continue;
    }
    keyedB.delete(ka.key);
    matched.push({ a_index: ka.step.index, b_index: kb.step.index, label });
    if (ka.step.status !== kb.step.status) changes.push({ step: label, a_status: ka.step.status, b_status: kb.step.status });
  }
  for (const kb of keyedB.values()) {
    changes.push({ step: labelStep(kb.step.step_id, kb.occurrence, kb.occurrences), a_status: null, b_status: kb.step.status });
  }
  return { changes, matched };
}

/** `smoke` for a step that runs once, `patterns#2` for the second of several. */
export function labelStep(stepId: string, occurrence: number, occurrences: number): string {
  return occurrences > 1 ? `${stepId}#${occurrence}` : stepId;
}
