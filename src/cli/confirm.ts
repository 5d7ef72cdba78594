import { UsageError } from '../errors.js';
import type { ProfileSelection } from '../host/match.js';
import type { Plan } from '../plan/types.js';
import { describeBounds } from '../safety/bounds.js';
import { formatDuration } from '../report/format.js';
import type { HostChoice } from '../workspace/host.js';

/** Worst-case duration of a plan: every step running to its timeout, plus rail settling. */
export function worstCaseSeconds(plan: Plan): number {
  const perSubrun = (plan.subruns[0]?.steps ?? []).reduce((sum, s) => sum + s.timeout_s, 0);
  return perSubrun * (plan.search ? plan.search.worst_case : plan.subruns.length);
}

/** What the operator is asked to approve before any rail moves. */
export function describeRunForConfirmation(plan: Plan, host: HostChoice, selection: ProfileSelection, unit: string): string[] {
  const steps = plan.subruns[0]?.steps.length ?? 0;
  const active = Object.values(plan.rails).filter((r) => !r.passive).map((r) => `${r.rail} (via ${r.adapter}, nominal ${r.nominal ?? 'read at the start of the run'})`);
  return [
    `unit ${unit} on ${host.facts.hostname ?? 'unknown host'}: ${host.facts.modelName ?? 'unknown CPU'} (${host.origin})`,
    `profile: ${selection.selected?.name ?? 'none (site policy only)'}`,
    ...selection.reasons.map((r) => `  ${r}`),
    'effective bounds:',
    ...describeBounds(plan.bounds).map((l) => `  ${l}`),
    `rails that will be set: ${active.length > 0 ? active.join(', ') : 'none (all passive)'}`,
    plan.search
      ? `search (${plan.search.spec.strategy}) over ${plan.subruns.length} candidate points: about ${plan.search.expected} probes, at most ${plan.search.worst_case}, × ${steps} steps; worst case ${formatDuration(worstCaseSeconds(plan) * 1000)}`
      : `${plan.subruns.length} sub-runs × ${steps} steps = ${plan.subruns.length * steps} diagnostic runs; worst case ${formatDuration(worstCaseSeconds(plan) * 1000)}`,
  ];
}

/** The operator's answer: go ahead, declined (exit 1), or Ctrl-C at the question (exit 130). */
export type Confirmation = 'go' | 'declined' | 'interrupted';

/** Asks the operator (inquirer) unless --yes; with no terminal and no --yes, refuses at once. */
export async function confirmRun(lines: string[], opts: { yes: boolean; isTTY: boolean; out: (l: string) => void }): Promise<Confirmation> {
  return confirmAction(lines, { ...opts, question: 'Apply these margins and start the run?', refusal: 'refusing to margin the host without confirmation: there is no terminal to ask on' });
}

/**
 * Shows `lines`, then asks `question` (inquirer, default no) unless --yes. With no terminal
 * and no --yes it refuses (exit 2) with `refusal`, telling to pass --yes.
 */
export async function confirmAction(
  lines: string[],
  opts: { yes: boolean; isTTY: boolean; out: (l: string) => void; question: string; refusal: string },
): Promise<Confirmation> {
  for (const line of lines) opts.out(line);
  if (opts.yes) return 'go';
  if (!opts.isTTY) {
    throw new UsageError(opts.refusal, 'pass --yes to confirm on the command line (for scripts and CI)');
  }
  const { default: inquirer } = await import('inquirer');
  try {
    const answer = await inquirer.prompt<{ go: boolean }>([{ type: 'confirm', name: 'go', message: opts.question, default: false }]);
    return answer.go ? 'go' : 'declined';
  } catch (error) {
    // inquirer reads keys in raw mode, so Ctrl-C reaches it as a key, not as SIGINT: it ends the prompt this way.
    if ((error as Error | undefined)?.name === 'ExitPromptError') return 'interrupted';
    throw error;
  }
}
