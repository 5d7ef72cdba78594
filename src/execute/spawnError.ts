// Turns a failed spawn into a sentence an engineer can act on. Runs only when the spawn
// failed, so the extra checks cost nothing on the common path.

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Describes why a diagnostic could not be started, ending with the errno code. */
export async function describeSpawnError(error: unknown, file: string, cwd: string): Promise<string> {
  const code = readErrorCode(error);
  if (code === 'ENOENT') return describeMissing(file, cwd);
  if (code === 'EACCES') return `permission denied: ${file} is not executable (EACCES)`;
  return `cannot start ${file}: ${readMessage(error)}${code === undefined ? '' : ` (${code})`}`;
}

async function describeMissing(file: string, cwd: string): Promise<string> {
  if (!(await isDirectory(cwd))) return `working directory not found: ${cwd} (ENOENT)`;
  // A file that exists but "is not found" has a #! line naming a missing interpreter.
  if (file.includes('/') && (await exists(resolve(cwd, file)))) {
    return `interpreter not found for ${file}: check its #! line (ENOENT)`;
  }
  return `executable not found: ${file} (ENOENT)`;
}

/** The underlying error's message (execa wraps it in "Command failed with …"), first line only. */
function readMessage(error: unknown): string {
  const wrapped = error as { message?: unknown; cause?: { message?: unknown } } | undefined;
  const message = wrapped?.cause?.message ?? wrapped?.message ?? String(error);
  return String(message).split('\n')[0] ?? '';
}

function readErrorCode(error: unknown): string | undefined {
  const withCode = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = withCode?.code ?? withCode?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
