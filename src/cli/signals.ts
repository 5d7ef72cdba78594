// Every catchable signal whose default action would end road_runner, and our own uncaught
// errors, handled in one place for the whole process (docs/decisions.md, "Hardening: signals
// and ways out of a run"). While nothing is touched, a signal ends the process at once with
// 128 + N. While a run (or a recovery) is guarded, the first signal aborts it instead: the
// diagnostic is stopped, rails go back to nominal, summaries are written, and the exit code is
// 128 + N; later signals cannot cut that short.

import { constants } from 'node:os';
import { RunFault, signalExitCode } from '../errors.js';

/**
 * Handled like SIGINT. Left out on purpose: SIGKILL and SIGSTOP (cannot be caught), SIGSEGV,
 * SIGBUS, SIGFPE and SIGILL (a JS handler cannot run safely after a real fault; V8 uses SIGSEGV
 * itself), SIGUSR1 (Node starts its inspector; it does not end the process), SIGPIPE and SIGXFSZ
 * (Node ignores them: writes fail with EPIPE/EFBIG instead), SIGPROF while a V8 profiler uses it,
 * stop signals (SIGTSTP/SIGTTIN/SIGTTOU suspend, they do not end), and real-time signals (Node
 * cannot listen to them). A signal that ends road_runner unhandled leaves the crash journal, and
 * the next `run` or `road_runner recover` restores the rails.
 */
export function handledSignals(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): NodeJS.Signals[] {
  const profiling = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a === '--prof' || a.startsWith('--cpu-prof'));
  const names: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTRAP', 'SIGABRT', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSYS'];
  return names.filter((n) => (constants.signals as Record<string, number | undefined>)[n] !== undefined && !(profiling && n === 'SIGPROF'));
}

/** A run (or recovery) in progress: signals and our own uncaught errors abort it instead of ending the process. */
export interface RunGuard {
  /** Aborted with the signal's name (a string) or with a RunFault. */
  signal: AbortSignal;
  /** Ends the guard: signals end the process at once again. */
  release: () => void;
}

/** The process-wide handlers: hand out guards for runs. */
export interface SignalDesk {
  /** `stopping` replaces the first signal's message (a dashboard closing has no rails to restore). */
  guard: (stopping?: string) => RunGuard;
  /** Our own uncaught error: aborts the guarded run, or ends the process with exit 4 when none is. */
  fault: (error: unknown) => void;
  /** As if the signal had arrived (a terminal hang-up noticed before its SIGHUP). */
  signal: (name: NodeJS.Signals) => void;
  /** True while a guard is held. */
  isGuarded: () => boolean;
}

/** What the handlers may do to the process; main.ts passes the real one. */
export interface DeskIo {
  /** One line for the operator; must never throw (the terminal may be gone). */
  say: (line: string) => void;
  exit: (code: number) => void;
  on: (name: NodeJS.Signals, listener: (name: NodeJS.Signals) => void) => void;
}

/** Installs the handlers once for the process. */
export function installSignalDesk(io: DeskIo, signals: NodeJS.Signals[] = handledSignals()): SignalDesk {
  let current: AbortController | null = null;
  let stopping: string | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    const run = current;
    if (run === null) {
      io.say(`\nroad_runner: ${name} received; nothing was changed`);
      io.exit(signalExitCode(name));
      return;
    }
    if (!run.signal.aborted) {
      run.abort(name); // first: the progress bar stops before the message
      io.say(`\nroad_runner: ${name} received: ${stopping ?? 'stopping the running diagnostic and restoring rails to nominal…'}`);
    } else {
      io.say(stopping !== undefined ? `road_runner: ${name} again: still closing` : `road_runner: ${name} again: still restoring rails to nominal; road_runner exits as soon as they are back`);
    }
  };
  for (const name of signals) io.on(name, onSignal);
  return {
    guard(message) {
      const controller = new AbortController();
      current = controller;
      stopping = message;
      return {
        signal: controller.signal,
        release: () => {
          if (current === controller) current = null;
        },
      };
    },
    fault(error) {
      const run = current;
      const text = error instanceof Error ? error.message : String(error);
      if (run === null) {
        io.say(`road_runner: internal error (a bug in road_runner, please report it): ${error instanceof Error ? (error.stack ?? text) : text}`);
        io.exit(4);
        return;
      }
      if (!run.signal.aborted) {
        run.abort(new RunFault(error));
        io.say(`\nroad_runner: internal error (a bug in road_runner): ${text.split('\n')[0]}; stopping the run and restoring rails to nominal…`);
      } else {
        io.say(`road_runner: another internal error while stopping the run: ${text.split('\n')[0]}`);
      }
    },
    signal: onSignal,
    isGuarded: () => current !== null,
  };
}

/** A guard for code run without the CLI's handlers (tests that call commands directly). */
export function unguarded(): RunGuard {
  return { signal: new AbortController().signal, release: () => undefined };
}
