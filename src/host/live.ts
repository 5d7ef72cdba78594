// Reads the texts host detection needs from this machine by running `lscpu` and
// `uname -a`. The only part of src/host/ that starts processes.

import { execFile } from 'node:child_process';
import { RuntimeAbortError } from '../errors.js';
import type { HostTexts } from './facts.js';

export interface LiveHostOptions {
  /**
   * Environment for the two commands (the CLI passes its own). LC_ALL=C is always
   * forced so keys come out in English. Default: only a standard system PATH.
   */
  env?: Record<string, string | undefined>;
  /** Per-command time limit; default 5000 ms. */
  timeoutMs?: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_TIMEOUT_MS = 5000;
const HINT = 'install util-linux (it provides lscpu), or plan against a saved host with --host FILE';

/** Runs `lscpu` and `uname -a` with LC_ALL=C and returns what they print. */
export async function readLiveHostTexts(options: LiveHostOptions = {}): Promise<HostTexts> {
  const env = { PATH: DEFAULT_PATH, ...options.env, LC_ALL: 'C' };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const [lscpu, uname] = await Promise.all([
    runCommand('lscpu', [], env, timeoutMs),
    runCommand('uname', ['-a'], env, timeoutMs),
  ]);
  return { lscpu, uname };
}

function runCommand(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<string> {
  const shown = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new RuntimeAbortError(`cannot detect the host: \`${file}\` was not found on PATH`, HINT));
      } else if (error.killed || error.signal) {
        const why = error.killed ? `did not finish within ${timeoutMs / 1000} s` : `was killed by ${error.signal}`;
        reject(new RuntimeAbortError(`cannot detect the host: \`${shown}\` ${why}`, HINT));
      } else {
        const detail = stderr.trim().split('\n')[0] ?? '';
        reject(
          new RuntimeAbortError(
            `cannot detect the host: \`${shown}\` exited with code ${String(code)}${detail ? `: ${detail}` : ''}`,
            HINT,
          ),
        );
      }
    });
  });
}
