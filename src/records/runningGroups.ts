// The process groups of diagnostics running right now, kept beside the crash journal in
// runs/.journal.pgids. Updated twice per step, so it avoids rename and fsync: one positioned
// write of a fixed-size record into an open file. A kill of road_runner cannot tear a single
// write() to a regular file, and the record only matters while the host stays up (after a
// reboot no process of the old run exists), so durability across power loss is not needed.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const recordBytes = 512;

/** Path of the running-groups record in a runs folder. */
export function runningGroupsPath(runsDir: string): string {
  return join(runsDir, '.journal.pgids');
}

/** An open running-groups record. */
export interface RunningGroups {
  set(pgids: number[]): void;
  close(): void;
}

/** Opens (creating) the record for writing; starts empty. */
export function openRunningGroups(runsDir: string): RunningGroups {
  const fd = openSync(runningGroupsPath(runsDir), 'w');
  const write = (pgids: number[]) => {
    const text = JSON.stringify(pgids);
    if (text.length >= recordBytes) throw new RangeError(`too many running process groups to record: ${pgids.length}`);
    writeSync(fd, Buffer.from(text.padEnd(recordBytes, ' '), 'utf8'), 0, recordBytes, 0);
  };
  write([]);
  return {
    set: write,
    close() {
      closeSync(fd);
      try {
        unlinkSync(runningGroupsPath(runsDir));
      } catch {
        /* already gone */
      }
    },
  };
}

/** The recorded process groups, or [] when there is no record or it cannot be read. */
export function readRunningGroups(runsDir: string): number[] {
  try {
    const value: unknown = JSON.parse(readFileSync(runningGroupsPath(runsDir), 'utf8'));
    return Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v) && v > 1) : [];
  } catch {
    return [];
  }
}
