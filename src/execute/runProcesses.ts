// Finds what is left running of a run by its environment: every diagnostic and actuator it
// starts carries RR_RUN_ID=<run id>, and so do their children. Recovery uses this besides the
// recorded process groups, which miss a process started right before road_runner was killed
// (the group is recorded only once spawn() has returned) and actuator calls in flight.

import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Process groups of a run's leftover processes: groups whose leader's environment holds
 * RR_RUN_ID=<runId>, or whose leader is gone while a member still holds it (a diagnostic that
 * exited and left children). A group led by anything else (a shell job) is never returned.
 */
export function findProcessGroupsOfRun(runId: string): number[] {
  if (process.platform !== 'linux') return [];
  const marker = Buffer.from(`\0RR_RUN_ID=${runId}\0`);
  const own = readGroup(String(process.pid));
  const groups = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      // Leading NUL so the first variable matches the same way as the others.
      environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${entry}/environ`), Buffer.from([0])]);
    } catch {
      continue; // gone, or not ours to read
    }
    if (environ.indexOf(marker) < 0) continue;
    const pgrp = readGroup(entry);
    if (pgrp === null || pgrp <= 1 || pgrp === own) continue;
    if (pgrp === Number(entry) || !existsSync(`/proc/${pgrp}`)) groups.add(pgrp);
  }
  return [...groups];
}

// Process group of a live (non-zombie) process, or null.
function readGroup(pid: string): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const pgrp = Number(fields[2]);
    return Number.isInteger(pgrp) ? pgrp : null;
  } catch {
    return null;
  }
}
