// Answers a road_runner question on a real terminal: test/fixtures/pty/drive.py starts the
// command on a pseudo-terminal, waits for the question, types the keys and reports how it ended.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO, type TestWorkspace } from '../run/workspace.js';

const DRIVE = path.join(REPO, 'test/fixtures/pty/drive.py');

/** How the command ended: exit code or signal, everything it printed, and whether the question appeared. */
export interface Driven {
  code: number | null;
  signal: number | null;
  output: string;
  saw: boolean;
}

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether python3 with its pty module is here. CI installs the system tools, so there
 * (REQUIRE_SYSTEM_TOOLS) its absence is an error, not a skip.
 */
export function ptyAvailable(what: string): boolean {
  const python = hasPython();
  if (!python && process.env.REQUIRE_SYSTEM_TOOLS) throw new Error(`python3 (with its pty module) is required to test ${what}`);
  return python;
}

/** Runs argv on a pseudo-terminal in the workspace, answers `question` with `keys`. */
export function answerOnTerminal(ws: TestWorkspace, question: string, keys: string, argv: string[]): Driven {
  const out = execFileSync('python3', [DRIVE, question, keys, '--', ...argv], {
    cwd: ws.root, env: { ...process.env, RR_SIM_RAIL_DIR: ws.simDir, TERM: 'xterm' }, encoding: 'utf8', timeout: 90_000,
  });
  return JSON.parse(out) as Driven;
}
