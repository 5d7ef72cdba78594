// Holds every process a step starts, so none outlives the step, not even one that called
// setsid or double-forked. Where this process's cgroup v2 is writable (root, or a delegated
// sub-tree), a run gets a group `road_runner-<run id>` below road_runner's own cgroup and each
// step a child group in it; road_runner steps into the step's group just for the fork, so the
// diagnostic is inside before it runs a single instruction and nothing it starts can get
// out. Elsewhere every step's processes carry RR_STEP_MARK in their environment and are
// found by it in /proc. docs/decisions.md ("Hardening: processes of a run") says why.

import path from 'node:path';
import { createGroup, findOwnCgroup, killGroupAtOnce, listChildGroups, listGroupProcesses, moveProcess, removeGroup } from './cgroupV2.js';
import { findMarkedProcesses, lastPid, type Marker } from './runProcesses.js';

/** Environment variable naming a step's processes (value: `<sub-run id>/<step index>`). */
export const STEP_MARK = 'RR_STEP_MARK';

/**
 * Set to 1 only by tests (and by an operator who wants to see the other path): the run finds
 * its steps' leftovers by their marker even where a cgroup could hold them.
 */
export const NO_CGROUP_ENV = 'ROAD_RUNNER_NO_CGROUP';

/** How long after a step's start pids cannot have wrapped around past its first process. */
const PID_WRAP_SAFE_MS = 1_000;

/** The processes of one step. */
export interface StepScope {
  /** Variables every process of the step carries (the marker). */
  readonly env: Readonly<Record<string, string>>;
  /** Calls `start` (which spawns the step's first process) so that the process begins inside the scope. */
  spawnInside<T>(start: () => T): T;
  /** The pid of the step's first process, once spawned. */
  started(pid: number): void;
  /** True when nothing of the step is left running (a cgroup is then removed). Cheap when true. */
  settle(): boolean;
  /** Sends a signal to every process of the step still running. */
  signal(signal: NodeJS.Signals): void;
}

/** The processes of a run: one scope per step. */
export interface RunProcesses {
  /** 'cgroup' when steps run in cgroups, 'marker' when leftovers are found by environment. */
  readonly mode: 'cgroup' | 'marker';
  /** The run's cgroup folder (recorded in the crash journal), or null. */
  readonly cgroup: string | null;
  openStep(mark: string): StepScope;
  /** Ends whatever is left in the run's step groups and removes the run's cgroup. */
  close(): void;
}

/** Detects once per run where its steps' processes can be held, and prepares that. */
export function openRunProcesses(runId: string, env: Readonly<Record<string, string | undefined>> = process.env): RunProcesses {
  const home = env[NO_CGROUP_ENV] === '1' ? null : findOwnCgroup();
  const runGroup = home === null ? null : prepareRunGroup(home, runId);
  if (home === null || runGroup === null) {
    return { mode: 'marker', cgroup: null, openStep: (mark) => markerScope(mark), close: () => undefined };
  }
  let steps = 0;
  return {
    mode: 'cgroup',
    cgroup: runGroup,
    openStep(mark) {
      steps += 1;
      const dir = path.join(runGroup, `step-${steps}`);
      try {
        createGroup(dir);
      } catch {
        return markerScope(mark); // e.g. cgroup.max.descendants reached: this step uses the marker
      }
      return cgroupScope(mark, dir, home);
    },
    close() {
      // Normally empty: each step's group is removed when the step ends. What a failed launch
      // or our own bug left is ended here.
      for (const dir of listChildGroups(runGroup)) endGroupNow(dir);
      removeGroup(runGroup);
    },
  };
}

// The run's group below our own; null when the kernel or the permissions refuse (then the
// marker is used). road_runner steps in and back out once, as every step will.
function prepareRunGroup(home: string, runId: string): string | null {
  const dir = path.join(home, `road_runner-${runId}`);
  try {
    createGroup(dir);
  } catch {
    return null;
  }
  try {
    moveProcess(dir, process.pid);
    moveProcess(home, process.pid);
    return dir;
  } catch {
    try {
      moveProcess(home, process.pid);
    } catch {
      /* we never left */
    }
    removeGroup(dir);
    return null;
  }
}

function cgroupScope(mark: string, dir: string, home: string): StepScope {
  // Used only if road_runner could not step into the group for the fork.
  let fallback: StepScope | null = null;
  let removed = false;
  return {
    env: { [STEP_MARK]: mark },
    spawnInside(start) {
      try {
        moveProcess(dir, process.pid);
      } catch {
        fallback = markerScope(mark);
        return start();
      }
      try {
        return start();
      } finally {
        leaveGroup(home);
      }
    },
    started(pid) {
      fallback?.started(pid);
    },
    settle() {
      if (fallback !== null) return fallback.settle() && (removed || (removed = removeGroup(dir) === 'removed'));
      if (removed) return true;
      // rmdir succeeds only on an empty group: one system call answers and cleans up.
      removed = removeGroup(dir) === 'removed';
      return removed;
    },
    signal(signal) {
      fallback?.signal(signal);
      if (!removed) signalGroup(dir, signal);
    },
  };
}

// road_runner must never stay inside a step's group: whatever ends the step would end it too.
function leaveGroup(home: string): void {
  try {
    moveProcess(home, process.pid);
  } catch {
    moveProcess(home, process.pid); // once more; a second failure is thrown to the caller
  }
}

function signalGroup(dir: string, signal: NodeJS.Signals): void {
  const pids = listGroupProcesses(dir);
  if (pids.length === 0) return;
  // cgroup.kill is atomic (a process forking meanwhile cannot slip out), but never while we are inside.
  if (signal === 'SIGKILL' && !pids.includes(process.pid) && killGroupAtOnce(dir)) return;
  for (const pid of pids) if (pid !== process.pid) sendSignal(pid, signal);
}

// Kills what is left in a step group and removes it, without waiting long: used on the way out of a run.
function endGroupNow(dir: string): void {
  signalGroup(dir, 'SIGKILL');
  const deadline = Date.now() + 2_000;
  while (removeGroup(dir) === 'busy' && Date.now() < deadline) {
    signalGroup(dir, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

function markerScope(mark: string): StepScope {
  const marker: Marker = { name: STEP_MARK, value: mark };
  let leader = 0;
  let startedAt = 0;
  // Only pids from the step's first one on are read, while they cannot have wrapped around.
  const minPid = (): number => {
    if (leader === 0 || performance.now() - startedAt > PID_WRAP_SAFE_MS) return 0;
    const last = lastPid();
    return last !== null && last >= leader ? leader : 0;
  };
  return {
    env: { [STEP_MARK]: mark },
    spawnInside: (start) => start(),
    started(pid) {
      leader = pid;
      startedAt = performance.now();
    },
    settle: () => findMarkedProcesses(marker, minPid()).length === 0,
    signal(signal) {
      for (const pid of findMarkedProcesses(marker, minPid())) sendSignal(pid, signal);
    },
  };
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}
