// The real diagnostics CI installs (stress-ng, stressapptest, memtester): where they are on
// PATH, and whether their tests may skip. Under REQUIRE_SYSTEM_TOOLS=1 (set by CI) a missing
// tool makes its tests fail instead of skipping them.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Absolute path of an executable on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      /* not here */
    }
  }
  return null;
}

export const toolsRequired = process.env.REQUIRE_SYSTEM_TOOLS === '1';

/** Whether the tests of a tool should be skipped (missing, and not required); warns once if so. */
export function skipWithout(tool: string): boolean {
  if (findOnPath(tool) !== null || toolsRequired) return false;
  console.warn(`skipping the ${tool} tests: ${tool} is not on PATH (apt-get install ${tool}; CI sets REQUIRE_SYSTEM_TOOLS=1 to make this a failure)`);
  return true;
}
