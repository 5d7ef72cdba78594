import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import type { DiagAdapter, RailAdapter } from '../config/schemas/index.js';
import type { ExecutableRef, Loaded } from '../config/workspaceTypes.js';
import { problemAt } from '../config/yamlSource.js';

/**
 * Resolves an adapter's executable: inside the workspace's `diags/` (no absolute paths, no
 * `..`, symlinks resolved and checked again), or a bare name on PATH when `search_path: true`.
 * A path that escapes is a problem; a file that is merely absent is reported as not found.
 */
export function resolveExecutable(
  root: string,
  adapter: Loaded<DiagAdapter | RailAdapter>,
  envPath: string,
): { ref: ExecutableRef | null; problem: Problem | null } {
  const { executable, search_path } = adapter.data;
  const at = (message: string, hint?: string) => ({ ref: null, problem: problemAt(adapter.source, '/executable', message, hint) });
  const bare = !executable.includes('/');
  if (search_path) {
    if (!bare) return at(`search_path: true needs a bare command name, got "${executable}"`, 'write only the name, e.g. stress-ng');
    return { ref: { kind: 'path', ref: executable, found: findOnPath(executable, envPath) !== null }, problem: null };
  }
  if (path.isAbsolute(executable)) {
    return at(`executable "${executable}" is an absolute path; executables must live inside diags/`,
      'copy or link the binary into diags/, or set search_path: true for a command on PATH');
  }
  if (executable.split(/[\\/]/).includes('..')) {
    return at(`executable "${executable}" uses ".." to leave diags/`, 'name a file inside diags/');
  }
  const diags = path.join(root, 'diags');
  const candidate = path.join(diags, executable);
  const ref = path.posix.join('diags', executable.split(path.sep).join('/'));
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { ref: { kind: 'diags', ref, found: false }, problem: null };
  }
  let diagsReal = diags;
  try {
    diagsReal = realpathSync(diags);
  } catch {
    /* diags/ absent: the candidate cannot be inside it */
  }
  if (real !== diagsReal && !real.startsWith(diagsReal + path.sep)) {
    return at(`executable "${executable}" resolves to ${real}, outside diags/`, 'links inside diags/ must point inside diags/');
  }
  return { ref: { kind: 'diags', ref, found: isExecutableFile(real) }, problem: null };
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of a bare command on PATH, or null. */
export function findOnPath(name: string, envPath: string): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return null;
}
