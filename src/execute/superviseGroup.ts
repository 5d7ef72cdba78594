// Watches a running diagnostic's process group: ends it on timeout or abort (SIGTERM, SIGKILL
// after the grace period), and after the leader exits ends whatever is left in the group and
// in the step's scope (its cgroup, or the processes carrying its marker: those that left the group).

import type { ChildProcess } from 'node:child_process';
import { isProcessGroupAlive, killProcessGroup, KILL_WAIT_MS, type GroupEnding } from './processGroup.js';
import type { StepScope } from './stepProcesses.js';

/** setTimeout's largest delay; beyond it Node fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export interface GroupLimits {
  /** No time limit when not a positive finite number. */
  timeoutMs: number;
  graceMs: number;
  signal?: AbortSignal | undefined;
}

export interface GroupOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  /** How the group was emptied once the leader had exited (or was being ended). */
  ending: GroupEnding;
}

/** Resolves once the leader has exited and its group is empty (or could not be emptied). */
export async function superviseGroup(leader: ChildProcess, pgid: number, limits: GroupLimits, scope?: StepScope): Promise<GroupOutcome> {
  let timedOut = false;
  let interrupted = false;
  let ending: Promise<GroupEnding> | undefined;
  const endGroup = (): Promise<GroupEnding> => (ending ??= terminateStep(pgid, scope, limits.graceMs));

  const exited = waitForExit(leader);
  const onTimeout = (): void => {
    timedOut = true;
    void endGroup();
  };
  const onAbort = (): void => {
    interrupted = true;
    void endGroup();
  };
  const timer = hasTimeLimit(limits.timeoutMs) ? setTimeout(onTimeout, Math.min(limits.timeoutMs, MAX_TIMER_MS)) : undefined;
  limits.signal?.addEventListener('abort', onAbort, { once: true });
  if (limits.signal?.aborted === true) onAbort();

  let exit: { code: number | null; signal: string | null };
  try {
    exit = await exited;
  } finally {
    clearTimeout(timer);
    limits.signal?.removeEventListener('abort', onAbort);
  }
  // The common case costs one kill(-pgid, 0) and one rmdir (or one /proc scan without a cgroup).
  const how = await endGroup();
  return { exitCode: exit.code, signal: exit.signal, timedOut, interrupted, ending: how };
}

/**
 * Ends a step: its group and every process of its scope get SIGTERM, then SIGKILL if anything
 * is still alive after graceMs. The group's leader is our child, so its number is ours.
 */
export async function terminateStep(pgid: number, scope: StepScope | undefined, graceMs: number): Promise<GroupEnding> {
  if (isStepOver(pgid, scope)) return 'empty';
  killProcessGroup(pgid, 'SIGTERM');
  scope?.signal('SIGTERM');
  if (await waitForStepOver(pgid, scope, graceMs)) return 'terminated';
  killProcessGroup(pgid, 'SIGKILL');
  scope?.signal('SIGKILL');
  if (await waitForStepOver(pgid, scope, KILL_WAIT_MS)) return 'killed';
  return 'stuck';
}

function isStepOver(pgid: number, scope: StepScope | undefined): boolean {
  return !isProcessGroupAlive(pgid) && (scope?.settle() ?? true);
}

async function waitForStepOver(pgid: number, scope: StepScope | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  let pauseMs = 5;
  while (!isStepOver(pgid, scope)) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
    pauseMs = Math.min(pauseMs * 2, 50);
  }
  return true;
}

function waitForExit(leader: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (leader.exitCode !== null || leader.signalCode !== null) {
      resolve({ code: leader.exitCode, signal: leader.signalCode });
      return;
    }
    leader.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function hasTimeLimit(timeoutMs: number): boolean {
  return Number.isFinite(timeoutMs) && timeoutMs > 0;
}
