// EDAC memory-error counters (SPEC §5.3): `ce_count` and `ue_count` of every memory controller
// under `<sysfs>/devices/system/edac/mc/mc*/`, summed and per controller. A host without the
// EDAC driver has no such folder: that is "unavailable", never an error.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Corrected and uncorrected error counts. */
export interface ErrorCounts {
  ce: number;
  ue: number;
}

/** One reading of the EDAC counters. */
export type EdacReading =
  | { available: true; total: ErrorCounts; controllers: Record<string, ErrorCounts> }
  | { available: false; reason: string };

// More controllers than any real board has: a hostile or broken tree cannot make a reading slow.
const MAX_CONTROLLERS = 256;

/** The folder holding the memory controllers, under a sysfs root (`/sys`, or a fake tree). */
export function edacFolder(sysfsRoot: string): string {
  return path.join(sysfsRoot, 'devices/system/edac/mc');
}

/** Reads every controller's counters; a missing driver or an unreadable counter is an unavailable reading. */
export function readEdacCounts(sysfsRoot: string): EdacReading {
  const dir = edacFolder(sysfsRoot);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^mc[0-9]+$/.test(n)).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  } catch (error) {
    return { available: false, reason: `no EDAC driver (${describeError(error, dir)})` };
  }
  if (names.length === 0) return { available: false, reason: `no memory controller in ${dir}` };
  const controllers: Record<string, ErrorCounts> = {};
  const total: ErrorCounts = { ce: 0, ue: 0 };
  for (const name of names.slice(0, MAX_CONTROLLERS)) {
    const ce = readCounter(path.join(dir, name, 'ce_count'));
    const ue = readCounter(path.join(dir, name, 'ue_count'));
    if (typeof ce === 'string') return { available: false, reason: ce };
    if (typeof ue === 'string') return { available: false, reason: ue };
    controllers[name] = { ce, ue };
    total.ce += ce;
    total.ue += ue;
  }
  return { available: true, total, controllers };
}

// A counter's value, or why it could not be read.
function readCounter(file: string): number | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `cannot read ${describeError(error, file)}`;
  }
  const value = text.trim();
  if (!/^[0-9]{1,15}$/.test(value)) return `${file} does not hold a count (${JSON.stringify(value.slice(0, 40))})`;
  return Number(value);
}

function describeError(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${file} does not exist` : code === 'EACCES' ? `${file}: permission denied` : `${file}: ${code ?? String(error)}`;
}
