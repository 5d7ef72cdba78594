// One RunTail per run watched, shared by every browser following it: a timer polls the run's
// event logs while someone listens and hands each batch of ended steps to every listener. A few
// idle tails stay warm (the shmoo and step pages read them); the least recently used go first.

import type { StepRow } from '../report/stepScan.js';
import type { FoundRun } from './runEntries.js';
import { RunTail } from './runTail.js';

/** Called after each poll that saw new events. */
export type TailListener = (ended: StepRow[], tail: RunTail) => void;

interface Entry {
  tail: RunTail;
  listeners: Set<TailListener>;
  timer: NodeJS.Timeout | null;
  usedAt: number;
}

/** Tails of the runs being looked at. */
export class TailHub {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { intervalMs: number; keepIdle: number }) {}

  /** The run's tail, read up to the current end of its logs. */
  async warm(run: FoundRun): Promise<RunTail> {
    const entry = this.entry(run);
    await entry.tail.poll();
    return entry.tail;
  }

  /** The run's tail as it is now (see `catchUp`). */
  peek(run: FoundRun): RunTail {
    return this.entry(run).tail;
  }

  /** Starts the first full read of the run's logs in the background, if none was made. */
  catchUp(run: FoundRun): void {
    const tail = this.entry(run).tail;
    // After the answer in hand has gone out: the read competes for the same thread.
    if (!tail.caughtUp) setTimeout(() => tail.poll().catch(() => undefined), 0);
  }

  /** Starts calling `listener` as the run's logs grow; returns the function that stops it. */
  subscribe(run: FoundRun, listener: TailListener): () => void {
    const entry = this.entry(run);
    entry.listeners.add(listener);
    entry.timer ??= setInterval(() => {
      const before = entry.tail.version;
      entry.tail.poll().then((ended) => {
        if (entry.tail.version === before) return;
        for (const l of entry.listeners) l(ended, entry.tail);
      }, () => undefined);
    }, this.options.intervalMs);
    return () => {
      entry.listeners.delete(listener);
      entry.usedAt = Date.now();
      if (entry.listeners.size === 0 && entry.timer) {
        clearInterval(entry.timer);
        entry.timer = null;
      }
    };
  }

  /** Stops every timer (the server is closing). */
  close(): void {
    for (const e of this.entries.values()) if (e.timer) clearInterval(e.timer);
    this.entries.clear();
  }

  private entry(run: FoundRun): Entry {
    let entry = this.entries.get(run.id);
    if (!entry || entry.tail.layout.dir !== run.dir) {
      entry = { tail: new RunTail(run.dir, run.id), listeners: new Set(), timer: null, usedAt: Date.now() };
      this.entries.set(run.id, entry);
      this.evictIdle();
    }
    entry.usedAt = Date.now();
    return entry;
  }

  private evictIdle(): void {
    const idle = [...this.entries].filter(([, e]) => e.listeners.size === 0).sort(([, a], [, b]) => a.usedAt - b.usedAt);
    while (idle.length > this.options.keepIdle) this.entries.delete(idle.shift()![0]);
  }
}
