import type { FlowStep } from '../config/schemas/index.js';

/** Invocations one flow step expands to: the product of its sweep lengths, times its repeat. */
export function countStepInvocations(step: FlowStep): number {
  let n = step.repeat ?? 1;
  for (const values of Object.values(step.sweep ?? {})) n *= values.length;
  return n;
}

/**
 * Step invocations per sub-run of a flow, and the flow step that expands the most, counted
 * arithmetically before anything is expanded (a repeat of millions must never be built).
 */
export function countFlowInvocations(steps: FlowStep[]): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  steps.forEach((step, i) => {
    const n = countStepInvocations(step);
    total += n;
    if (n > countStepInvocations(steps[largest]!)) largest = i;
  });
  return { total, largest };
}
