// After the terminal hung up (the ssh session dropped), Node 20 aborts on its way out: it
// puts back the terminal settings of stdin/stdout/stderr with tcsetattr(), which fails with EIO
// on a hung-up terminal, and it asserts that it cannot fail (node.cc, ResetStdio). Node skips
// a descriptor that no longer refers to the file it found at start-up, so at exit every stdio
// descriptor that refers to a hung-up terminal is pointed at /dev/null instead.

import { closeSync, openSync, writeSync } from 'node:fs';

const EMPTY = Buffer.alloc(0);

// A hung-up terminal fails every write with EIO, even an empty one; anything else takes it.
function isHungUp(fd: number): boolean {
  try {
    writeSync(fd, EMPTY, 0, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EIO';
  }
}

/**
 * An error that only says the terminal hung up (e.g. readline putting a hung-up terminal out of
 * raw mode throws EIO), which can reach us just before the SIGHUP itself.
 */
export function isHangUpError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EIO' && [0, 1, 2].some(isHungUp);
}

/** Replaces stdio descriptors on a hung-up terminal by /dev/null; only for the 'exit' event. */
export function detachHungUpTerminal(): void {
  for (const fd of [0, 1, 2]) {
    if (!isHungUp(fd)) continue;
    try {
      closeSync(fd);
      // The lowest free descriptor: the one just closed (nothing else opens files during 'exit').
      const reopened = openSync('/dev/null', 'r+');
      if (reopened !== fd) closeSync(reopened);
    } catch {
      /* closed it is: Node skips a closed descriptor too */
    }
  }
}
