// Follows a run's event logs (steps.ldjson) as they grow, for the dashboard: each poll reads
// only the bytes written since the last one (from the byte offset it reached), and keeps
// counts, the worst step of each sub-run and a position every CHECKPOINT_EVERY steps — memory
// grows with the number of sub-runs and steps/500, never with the steps themselves. A torn last
// line waits for its newline; a corrupt line is skipped and told.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORD_DIRS, RECORD_FILES } from '../records/layout.js';
import { runFolderLayout, type RunFolderLayout } from '../records/runFolderLayout.js';
import { pickWorseStatus, type EndedStepStatus } from '../report/outcome.js';
import { toStepRow, type StepRow, type SubrunSteps } from '../report/stepScan.js';

/** Steps between two remembered positions (a page of steps is read from the nearest one). */
export const CHECKPOINT_EVERY = 500;
const CHUNK = 256 * 1024;
const RECENT = 20;
const SLICE_MS = 20;
// An event log that is a symlink is not read (nothing outside the run folder is served).
const READ_NO_LINK = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Where in the event logs reading may start: file index, byte offset, step_end events before it. */
export interface Checkpoint {
  file: number;
  offset: number;
  before: number;
}

/** A step that has started and not ended. */
export interface RunningStep {
  subrun_id: string;
  index: number;
  step_id: string;
}

interface Cursor {
  path: string;
  offset: number;
  carry: Buffer;
}

/** The live state of one run's steps. */
export class RunTail {
  readonly layout: RunFolderLayout;
  readonly counts: Record<EndedStepStatus, number> = { passed: 0, failed: 0, timeout: 0, error: 0, interrupted: 0 };
  readonly bySubrun = new Map<string, SubrunSteps>();
  readonly checkpoints: Checkpoint[] = [{ file: 0, offset: 0, before: 0 }];
  /** The last steps that ended, oldest first. */
  readonly recent: StepRow[] = [];
  readonly problems: string[] = [];
  marginal = 0;
  total = 0;
  /** Grows whenever a poll saw a new event. */
  version = 0;
  /** True once a poll has read every log to its end (counts cover the whole run so far). */
  caughtUp = false;
  private readonly cursors: Cursor[] = [];
  private readonly open = new Map<string, { log_name: string | null; step_id: string; adapter: string }>();
  private from = 0;
  private listedAt = -1;
  private polling: Promise<StepRow[]> | null = null;

  constructor(dir: string, runId: string) {
    this.layout = runFolderLayout(dir, runId);
  }

  /** The event log files known so far, in order. */
  get files(): string[] {
    return this.cursors.map((c) => c.path);
  }

  /** The step under way, if any. */
  get running(): RunningStep | null {
    let last: RunningStep | null = null;
    for (const [key, start] of this.open) {
      const cut = key.lastIndexOf('#');
      last = { subrun_id: key.slice(0, cut), index: Number(key.slice(cut + 1)), step_id: start.step_id };
    }
    return last;
  }

  /** Reads what was appended since the last poll; returns the steps that ended (the last 50 at most). */
  poll(): Promise<StepRow[]> {
    this.polling ??= this.readNew().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  // Reads the logs in slices of about SLICE_MS with synchronous calls (a run of 25,000 sub-runs
  // has 25,000 small files: one asynchronous round trip each would take seconds), yielding to
  // the event loop between slices so that pages are still answered meanwhile.
  private async readNew(): Promise<StepRow[]> {
    await this.discoverFiles();
    const ended: StepRow[] = [];
    let sliceStart = performance.now();
    for (let i = this.from; i < this.cursors.length; i++) {
      if (this.readFile(i, ended)) this.from = i;
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.caughtUp = true;
    return ended.slice(-50);
  }

  // New event logs: the run-level file (earlier layout), or one per sub-run folder, listed again
  // only when subruns/ changed (a new sub-run folder) or while the newest folder has no log yet.
  private async discoverFiles(): Promise<void> {
    if (this.layout.kind === 'flat') {
      if (this.cursors.length === 0) this.cursors.push({ path: join(this.layout.dir, RECORD_FILES.steps), offset: 0, carry: Buffer.alloc(0) });
      return;
    }
    let mtime: number;
    try {
      mtime = (await stat(join(this.layout.dir, RECORD_DIRS.subruns))).mtimeMs;
    } catch {
      return;
    }
    if (mtime === this.listedAt) return;
    this.listedAt = mtime;
    const known = new Set(this.cursors.map((c) => c.path));
    for (const id of this.layout.listSubrunIds()) {
      const path = this.layout.eventLogOf(id);
      if (!known.has(path)) this.cursors.push({ path, offset: 0, carry: Buffer.alloc(0) });
    }
  }

  // Reads file i from its offset to its current end; true when it had new bytes.
  private readFile(i: number, ended: StepRow[]): boolean {
    const cursor = this.cursors[i]!;
    let fd: number;
    try {
      fd = openSync(cursor.path, READ_NO_LINK);
    } catch {
      return false; // not created yet
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size <= cursor.offset + cursor.carry.length) return false;
      let position = cursor.offset + cursor.carry.length;
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, st.size - position));
      while (position < st.size) {
        const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, st.size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data = cursor.carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([cursor.carry, buffer.subarray(0, bytesRead)]);
        const consumed = this.parseLines(i, cursor.offset, data, ended);
        cursor.offset += consumed;
        cursor.carry = Buffer.from(data.subarray(consumed));
      }
      return true;
    } finally {
      closeSync(fd);
    }
  }

  // Parses the complete lines of `data` (which starts at byte `base` of file i); returns the bytes consumed.
  private parseLines(file: number, base: number, data: Buffer, ended: StepRow[]): number {
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      const text = data.toString('utf8', start, nl).replace(/\r$/, '');
      start = nl + 1;
      if (text === '') continue;
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch {
        if (this.problems.length < 20) this.problems.push(`${this.cursors[file]!.path}: corrupt event line at byte ${base + start - text.length - 1} skipped`);
        continue;
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) continue;
      const row = this.apply(event as Record<string, unknown>);
      if (row) {
        ended.push(row);
        if (ended.length > 100) ended.splice(0, 50);
        if (this.total % CHECKPOINT_EVERY === 0) this.checkpoints.push({ file, offset: base + start, before: this.total });
      }
    }
    return start;
  }

  private apply(e: Record<string, unknown>): StepRow | null {
    this.version += 1;
    const subrun = String(e.subrun_id ?? '');
    const key = `${subrun}#${String(e.index)}`;
    if (e.event === 'step_start') {
      this.open.set(key, { log_name: typeof e.log_name === 'string' ? e.log_name : null, step_id: String(e.step_id ?? ''), adapter: String(e.adapter ?? '') });
      return null;
    }
    if (e.event !== 'step_end') return null;
    const start = this.open.get(key);
    this.open.delete(key);
    const row = toStepRow(e, subrun, start?.log_name ?? null);
    this.total += 1;
    this.counts[row.status] += 1;
    if (row.marginal) this.marginal += 1;
    const agg = this.bySubrun.get(subrun) ?? { worst: null, steps: 0, duration_ms: 0 };
    agg.worst = pickWorseStatus(agg.worst, row.status);
    agg.steps += 1;
    agg.duration_ms += row.duration_ms ?? 0;
    this.bySubrun.set(subrun, agg);
    this.recent.push(row);
    if (this.recent.length > RECENT) this.recent.shift();
    return row;
  }
}

/** What to read of a run's steps: a window of step_end events in run order, or of one sub-run. */
export interface StepWindow {
  start: number;
  count: number;
  subrun?: string;
  /** The run's sub-run ids in order (from its records): page 0 then needs no listing of the folder. */
  subrunIds?: readonly string[];
}

/**
 * Reads a window of steps from the event logs, starting at the nearest checkpoint (or at the
 * sub-run's own log): a page deep in a 100,000-step run costs at most CHECKPOINT_EVERY lines.
 */
export async function readStepWindow(tail: RunTail, window: StepWindow): Promise<StepRow[]> {
  const rows: StepRow[] = [];
  let files: string[];
  let from: Checkpoint;
  if (window.subrun !== undefined && tail.layout.kind === 'subruns') {
    files = [tail.layout.eventLogOf(window.subrun)];
    from = { file: 0, offset: 0, before: 0 };
  } else {
    // Before the first full read, page 0 lists the logs itself rather than wait for the counts.
    files = tail.caughtUp ? tail.files : tail.layout.kind === 'flat' ? [tail.layout.eventLogOf('')]
      : (window.subrunIds ?? tail.layout.listSubrunIds()).map((id) => tail.layout.eventLogOf(id));
    from = window.subrun !== undefined ? tail.checkpoints[0]! : [...tail.checkpoints].reverse().find((c) => c.before <= window.start) ?? tail.checkpoints[0]!;
  }
  let seen = from.before;
  const starts = new Map<string, string | null>();
  let missing = 0;
  // Sub-runs run in order: past a long stretch of sub-runs without a log, none has one.
  for (let f = from.file; f < files.length && rows.length < window.count && missing < 64; f++) {
    let handle;
    try {
      handle = await open(files[f]!, READ_NO_LINK);
      missing = 0;
    } catch {
      missing += 1;
      continue;
    }
    try {
      if (!(await handle.stat()).isFile()) continue;
      let position = f === from.file ? from.offset : 0;
      let carry = Buffer.alloc(0);
      const buffer = Buffer.alloc(256 * 1024);
      while (rows.length < window.count) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data = carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
        let start = 0;
        for (let nl = data.indexOf(0x0a); nl !== -1 && rows.length < window.count; nl = data.indexOf(0x0a, start)) {
          const text = data.toString('utf8', start, nl);
          start = nl + 1;
          let e: Record<string, unknown>;
          try {
            e = JSON.parse(text) as Record<string, unknown>;
          } catch {
            continue;
          }
          if (typeof e !== 'object' || e === null) continue;
          const subrun = String(e.subrun_id ?? '');
          if (window.subrun !== undefined && subrun !== window.subrun) continue;
          const key = `${subrun}#${String(e.index)}`;
          if (e.event === 'step_start') starts.set(key, typeof e.log_name === 'string' ? e.log_name : null);
          else if (e.event === 'step_end') {
            if (seen >= window.start) rows.push(toStepRow(e, subrun, starts.get(key) ?? null));
            starts.delete(key);
            seen += 1;
          }
        }
        carry = Buffer.from(data.subarray(start));
      }
    } finally {
      await handle.close();
    }
  }
  return rows;
}
