// The JSON records of the runs being looked at, read once and kept while summary.json and
// plan.json stay as they are (same size and mtime): a live page asks for the shmoo after every
// step, and a 25,000-sub-run summary takes a noticeable time to parse.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_FILES } from '../records/layout.js';
import { loadRunRecords, type RunRecords } from '../report/runData.js';
import type { FoundRun } from './runEntries.js';

/** Runs whose records are kept. */
const KEEP = 4;

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

/** A small cache of loadRunRecords results, keyed by run and by the stamps of its record files. */
export class RecordCache {
  private readonly entries = new Map<string, { stamp: string; records: Promise<RunRecords> }>();

  constructor(private readonly root: string) {}

  /** The run's records, read again only when summary.json or plan.json changed. */
  load(run: FoundRun): Promise<RunRecords> {
    const stamp = `${stampOf(join(run.dir, RECORD_FILES.summary))}|${stampOf(join(run.dir, RECORD_FILES.plan))}`;
    const kept = this.entries.get(run.id);
    if (kept && kept.stamp === stamp) return kept.records;
    const records = loadRunRecords(this.root, run.id);
    records.catch(() => this.entries.delete(run.id));
    this.entries.delete(run.id);
    this.entries.set(run.id, { stamp, records });
    while (this.entries.size > KEEP) this.entries.delete(this.entries.keys().next().value as string);
    return records;
  }
}
