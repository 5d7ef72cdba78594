// Hardware health around each sub-run (SPEC §5.3): the EDAC counters and the kernel log's
// hardware-error lines, read before the sub-run's rails are set and after they are back at
// nominal, turned into deltas. A source that cannot be read (no EDAC driver, no permission for
// /dev/kmsg) is recorded as unavailable and the run goes on; nothing here ever throws.

import type { HealthSourceState, SubrunHealthReadings } from '../records/recordTypes.js';
import { readEdacCounts, type EdacReading, type ErrorCounts } from './edacCounts.js';
import type { HealthSources } from './healthSources.js';
import { DEFAULT_DRAIN_LIMITS, openKmsg, type DrainLimits, type KmsgReader } from './kmsgReader.js';

export type { HealthSources } from './healthSources.js';


/** What was read before a sub-run, to compare with after it. */
export interface HealthMark {
  edac: EdacReading;
  /** The drain that skipped the older kernel-log records hit its bound (a flood): some may be counted after. */
  kmsgBacklog: boolean;
}

/** Health readings for one run; open once, read around every sub-run, close at the end. */
export interface HealthMonitor {
  /** Each source's state as first found when the run started. */
  readonly sources: { edac: HealthSourceState; kernel_log: HealthSourceState };
  before(): HealthMark;
  after(mark: HealthMark): SubrunHealthReadings;
  close(): void;
}

/** Drains at most spent skipping the kernel log's backlog when the run starts. */
const INITIAL_DRAINS = 8;

/** Lines of the kernel log kept per sub-run (all are counted). */
export const KEPT_LINES = 20;

/** Opens the sources; an unavailable one is said once in `sources` and read no more. */
export function openHealthMonitor(where: HealthSources, limits: DrainLimits = { ...DEFAULT_DRAIN_LIMITS, maxLines: KEPT_LINES }): HealthMonitor {
  const first = readEdacCounts(where.sysfsRoot);
  const edac: HealthSourceState = first.available
    ? { available: true, detail: `${Object.keys(first.controllers).length} memory controller(s) under ${where.sysfsRoot}` }
    : { available: false, detail: first.reason };
  let kmsg: KmsgReader | null = null;
  let kernelLog: HealthSourceState;
  try {
    kmsg = openKmsg(where.kmsgFile);
    kernelLog = { available: true, detail: where.kmsgFile };
  } catch (error) {
    kernelLog = { available: false, detail: describeOpenError(where.kmsgFile, error) };
  }
  // A source that failed mid-run: said in each later reading, never thrown.
  let kmsgProblem: string | null = null;
  const drain = () => {
    if (kmsg === null || kmsgProblem !== null) return null;
    try {
      return kmsg.drain(limits);
    } catch (error) {
      kmsgProblem = `${where.kmsgFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      kmsg.close();
      return null;
    }
  };
  // Skip the log as it stands when the run starts (the ring buffer can hold megabytes): a few
  // bounded drains, so the first sub-run does not inherit old records; a flood still ends it.
  for (let i = 0; i < INITIAL_DRAINS; i++) if (drain()?.truncated !== true) break;
  return {
    sources: { edac, kernel_log: kernelLog },
    before() {
      const skipped = drain();
      return { edac: edac.available ? readEdacCounts(where.sysfsRoot) : first, kmsgBacklog: skipped?.truncated ?? false };
    },
    after(mark) {
      const now = edac.available ? readEdacCounts(where.sysfsRoot) : first;
      const read = drain();
      const notes: string[] = [];
      if (mark.kmsgBacklog) notes.push('the kernel log was flooded before the sub-run: older records may be counted in it');
      if (read?.truncated) notes.push('the kernel log was flooded: reading stopped at its bound, later records go to the next reading');
      if (read?.lost) notes.push('the kernel dropped log records before they were read');
      if (kmsgProblem !== null) notes.push(`kernel log unreadable: ${kmsgProblem}`);
      const counts = compareEdac(mark.edac, now, notes);
      return {
        ce_delta: counts?.total.ce ?? null,
        ue_delta: counts?.total.ue ?? null,
        controllers: counts?.controllers ?? {},
        kernel_lines: read === null ? null : read.matched,
        lines: read?.lines ?? [],
        notes,
      };
    },
    close() {
      kmsg?.close();
    },
  };
}

// Deltas of two readings, per controller present in both; a counter that went down (a driver
// reload resets it) counts as no new error, with a note.
function compareEdac(a: EdacReading, b: EdacReading, notes: string[]): { total: ErrorCounts; controllers: Record<string, ErrorCounts> } | null {
  if (!a.available || !b.available) {
    if (a.available !== b.available) notes.push(`EDAC counters unreadable: ${a.available ? (b as { reason: string }).reason : (a as { reason: string }).reason}`);
    return null;
  }
  const total: ErrorCounts = { ce: 0, ue: 0 };
  const controllers: Record<string, ErrorCounts> = {};
  for (const [name, after] of Object.entries(b.controllers)) {
    const before = a.controllers[name];
    if (!before) {
      notes.push(`memory controller ${name} appeared during the sub-run`);
      continue;
    }
    const d = { ce: after.ce - before.ce, ue: after.ue - before.ue };
    if (d.ce < 0 || d.ue < 0) notes.push(`${name} counters went down (reset during the sub-run)`);
    d.ce = Math.max(0, d.ce);
    d.ue = Math.max(0, d.ue);
    controllers[name] = d;
    total.ce += d.ce;
    total.ue += d.ue;
  }
  return { total, controllers };
}

function describeOpenError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `${file}: permission denied (reading the kernel log needs root or CAP_SYSLOG when kernel.dmesg_restrict is 1)`;
  return `${file}: ${code ?? String(error)}`;
}
