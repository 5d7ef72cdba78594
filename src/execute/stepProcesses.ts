// Holds every process a step starts, so none outlives the step, not even one that called
// setsid or double-forked. Where this process's cgroup v2 is writable (root, or a delegated
// sub-tree), a run gets a group `road_runner-<run id>` below road_runner's own cgroup and
// road_runner moves itself into it: every diagnostic is then born inside (no window in which
// it could fork before being moved) and nothing it starts can get out; after each step,
// whatever is in the group besides road_runner is the step's leftovers. Elsewhere every
// step's processes carry RR_STEP_MARK in their environment and are found by it in /proc.
// docs/decisions.md ("Hardening: processes of a run") says why.

import path from 'node:path';
import { processStartTime } from '../records/process.js';
import { createGroup, findOwnCgroup, moveProcess, openProcessList, removeGroup, type ProcessList } from './cgroupV2.js';
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
  const runGroup = home === null ? null : enterRunGroup(home, runId);
  const list = runGroup === null ? null : openListOrLeave(runGroup, home!);
  if (home === null || runGroup === null || list === null) {
    return { mode: 'marker', cgroup: null, openStep: (mark) => markerScope(mark), close: () => endMarkedNow(runId) };
  }
  const others = (): number[] => list.read().filter((pid) => pid !== process.pid);
  return {
    mode: 'cgroup',
    cgroup: runGroup,
    openStep: (mark) => cgroupScope(mark, others),
    close() {
      // Normally only road_runner is left: each step ended its own processes. What an error
      // path or our own bug left is ended here, before road_runner goes back to its own cgroup.
      endOthersNow(others);
      try {
        moveProcess(home, process.pid);
      } catch {
        list.close();
        return; // cannot happen as root; the group stays, and recovery's journal names it
      }
      endOthersNow(others);
      list.close();
      removeGroup(runGroup);
    },
  };
}

// Creates the run's group below our own cgroup and moves road_runner into it: from then on
// every process it starts is born inside, at no cost per step (moving a process between
// groups waits for an RCU grace period, milliseconds on a busy host, so it is done once a run,
// not per step). Null when the kernel or the permissions refuse: the marker is used then.
function enterRunGroup(home: string, runId: string): string | null {
  const dir = path.join(home, `road_runner-${runId}`);
  try {
    createGroup(dir);
  } catch {
    return null;
  }
  try {
    moveProcess(dir, process.pid);
    return dir;
  } catch {
    removeGroup(dir);
    return null;
  }
}

// The group's process list, or null (road_runner back home, group removed) if it cannot be opened.
function openListOrLeave(runGroup: string, home: string): ProcessList | null {
  try {
    return openProcessList(runGroup);
  } catch {
    try {
      moveProcess(home, process.pid);
      removeGroup(runGroup);
    } catch {
      /* left for recovery: the journal is not written yet, but the group is named for the run */
    }
    return null;
  }
}

// Without a cgroup, the end of a run ends what carries its RR_RUN_ID and started after
// road_runner did (only an error path leaves any: each step ends its own).
function endMarkedNow(runId: string): void {
  const own = processStartTime(process.pid);
  if (own === null) return;
  const ours = (): number[] => findMarkedProcesses({ name: 'RR_RUN_ID', value: runId })
    .filter((pid) => BigInt(processStartTime(pid) ?? '0') >= BigInt(own));
  endOthersNow(ours);
}

// A step's processes are whatever is in the run's group besides road_runner: steps run one at
// a time and nothing else is started while one runs (rail actuators are called between steps).
function cgroupScope(mark: string, others: () => number[]): StepScope {
  return {
    env: { [STEP_MARK]: mark },
    started: () => undefined,
    settle: () => others().length === 0,
    signal(signal) {
      // Process by process: cgroup.kill would end road_runner too. A process forked meanwhile
      // is found on the next look, which the caller repeats until the group is empty.
      for (const pid of others()) sendSignal(pid, signal);
    },
  };
}

// SIGKILL to every process listed, until the list is empty (2 s at most).
function endOthersNow(others: () => number[]): void {
  const deadline = Date.now() + 2_000;
  for (let left = others(); left.length > 0 && Date.now() < deadline; left = others()) {
    for (const pid of left) sendSignal(pid, 'SIGKILL');
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
