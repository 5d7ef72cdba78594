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
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

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
