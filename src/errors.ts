// One error family for everything a user can act on. Each error carries the exit code of
// SPEC §5.5 and, where there is one, a hint saying what to do. The CLI prints these as
// plain messages; anything else that escapes is our own bug and keeps its stack trace.

/** Exit codes of SPEC §5.5. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  safety: 3,
  runtime: 4,
  // Every step passed, but at least one sub-run is marginal (e.g. new corrected memory errors) and none is worse.
  marginal: 5,
  // 128 + N for a run stopped by signal N (the signals road_runner handles: src/cli/signals.ts).
  sighup: 129,
  sigint: 130,
  sigquit: 131,
  sigtrap: 133,
  sigabrt: 134,
  sigusr2: 140,
  sigalrm: 142,
  sigterm: 143,
  sigstkflt: 144,
  sigxcpu: 152,
  sigvtalrm: 154,
  sigprof: 155,
  sigio: 157,
  sigpwr: 158,
  sigsys: 159,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit code 128 + N for signal `name` (SIGHUP → 129); 130 for a name road_runner does not handle. */
export function signalExitCode(name: string): ExitCodeValue {
  const code = (ExitCode as Record<string, number>)[name.toLowerCase()];
  return (code ?? ExitCode.sigint) as ExitCodeValue;
}

/** A located problem in an input file: the unit every validator reports. */
export interface Problem {
  file: string;
  line?: number;
  col?: number;
  /** Path inside the document, e.g. `steps[1].adapter`. Empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

/** Formats one problem as `file:line:col: path: message (hint)` on a single line. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  const path = p.path ? `${p.path}: ` : '';
  const hint = p.hint ? ` — ${p.hint}` : '';
  return `${where}: ${path}${p.message}${hint}`;
}

/** Base of every error the user can fix. */
export class RrError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCodeValue, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** Wrong command-line usage (exit 2). */
export class UsageError extends RrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** One or more invalid input files (exit 2); carries every problem found. */
export class ConfigError extends RrError {
  readonly problems: Problem[];
  constructor(problems: Problem[], summary?: string) {
    const count = problems.length;
    super(
      summary ?? `${count} problem${count === 1 ? '' : 's'} in the workspace:\n` + problems.map(formatProblem).join('\n'),
      ExitCode.usage,
    );
    this.problems = problems;
  }
}

/** A planned or requested value outside the effective bounds (exit 3). */
export class SafetyViolationError extends RrError {
  readonly violations: string[];
  constructor(violations: string[], hint?: string) {
    const count = violations.length;
    super(
      `${count} safety violation${count === 1 ? '' : 's'}; nothing was run:\n` + violations.map((v) => `  ${v}`).join('\n'),
      ExitCode.safety,
      hint,
    );
    this.violations = violations;
  }
}

/** A run stopped by the environment: lock held, actuator failure, missing executable (exit 4). */
export class RuntimeAbortError extends RrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.runtime, hint);
  }
}

/** Another run holds the host lock (exit 4). */
export class LockError extends RuntimeAbortError {}

/** A rail actuator failed or read back a wrong value (exit 4). */
export class AdapterError extends RuntimeAbortError {}

/** Stopped by a signal before anything of the run was changed (exit 128 + N). */
export class InterruptedError extends RrError {
  readonly signalName: string;
  constructor(signalName: string, message: string) {
    super(message, signalExitCode(signalName));
    this.signalName = signalName;
  }
}

/** The run's records cannot be written (disk full, read-only, folder removed): the run stops (exit 4). */
export class RecordsUnwritableError extends RuntimeAbortError {}

/**
 * Why a run was stopped from inside road_runner rather than by a signal: our own bug (an
 * uncaught exception or unhandled rejection while the run was active). Used as the reason of
 * the run's AbortSignal; it is never shown with its stack on the terminal.
 */
export class RunFault extends Error {
  readonly error: unknown;
  constructor(error: unknown) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'RunFault';
    this.error = error;
  }
}
