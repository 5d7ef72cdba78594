// What the kernel accepts in the argv and environment of a new process (execve(2)), checked
// when a plan is made so that a value that could never be passed is an input error at `plan`
// time, not a step error in the middle of a run.

/** MAX_ARG_STRLEN: the longest single argument or `NAME=value` string, NUL included (32 pages). */
export const maxArgStringBytes = 128 * 1024;

/**
 * The budget for one step's argv plus the variables road_runner adds (adapter env, RR_*).
 * Linux allows a quarter of the stack limit (ARG_MAX 2 MiB with the usual 8 MiB stack) for
 * argv and environment together; 256 KiB of it is left for the inherited environment.
 */
export const maxArgvEnvBytes = 2 * 1024 * 1024 - 256 * 1024;

/** Bytes one argv or environment string takes in the new process: its text, its NUL and its pointer. */
export function argBytes(s: string): number {
  return Buffer.byteLength(s, 'utf8') + 1 + 8;
}

/** Why one argv element or environment string cannot be passed to a process, or null. */
export function argStringProblem(s: string): string | null {
  if (s.includes('\0')) return 'the value contains a NUL byte, which no argument or environment variable can carry';
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes + 1 > maxArgStringBytes) {
    return `the value is ${bytes.toLocaleString('en-US')} bytes long; the kernel passes at most ${(maxArgStringBytes - 1).toLocaleString('en-US')} bytes per argument (MAX_ARG_STRLEN)`;
  }
  return null;
}
