import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { RunGuard } from './signals.js';

/** What every command receives: resolved locations and output sinks, nothing global. */
export interface CommandContext {
  root: string;
  cwd: string;
  hostFile: string | undefined;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Guards a run or a recovery against signals and our own uncaught errors (unguarded when absent). */
  guard?: (stopping?: string) => RunGuard;
}

/** The workspace root: `--root`, else RR_ROOT, else the current folder; it must exist. */
export function resolveRoot(cwd: string, option: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = option ?? env.RR_ROOT ?? '.';
  const root = path.resolve(cwd, given);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    const from = option !== undefined ? '--root' : env.RR_ROOT !== undefined ? 'RR_ROOT' : 'the current folder';
    throw new UsageError(`workspace root ${root} (from ${from}) is not a folder`, 'pass --root DIR pointing at a workspace with adapters/, flows/, margins/ and policy/');
  }
  return root;
}
