// The event log of a whole run as the executor sees it: one append() for every event, each
// routed by its `subrun_id` to that sub-run's own steps.ldjson (SPEC §5.3), or to the single
// run-level file of a run written in the earlier layout (a resumed old run stays as it was).
// A sub-run's file is opened when its first event comes and closed when the next sub-run's
// does: one open per sub-run, nothing more per step than the append itself.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openEventLog, type EventLog, type EventLogOptions } from './eventLog.js';
import { runFolderLayout } from './runFolderLayout.js';

/**
 * Opens the event log of the run in folder `dir`. An event without a sub-run id (a rail
 * restored by crash recovery after its sub-run had ended) goes with the sub-run that wrote
 * last, the one that touched the rail.
 */
export function openRunEventLog(dir: string, runId: string, options: EventLogOptions = {}): EventLog {
  const layout = runFolderLayout(dir, runId);
  let current: { id: string; log: EventLog } | null = null;
  let closed = false;
  const lastWritten = (): string | null => {
    const logs = layout.eventLogs();
    const last = logs[logs.length - 1];
    return last === undefined || layout.kind === 'flat' ? null : layout.listSubrunIds().find((id) => layout.eventLogOf(id) === last) ?? null;
  };
  const logFor = (id: string): EventLog => {
    if (current?.id === id) return current.log;
    current?.log.close();
    current = null;
    const path = layout.eventLogOf(id);
    mkdirSync(dirname(path), { recursive: true });
    current = { id, log: openEventLog(path, options) };
    return current.log;
  };
  return {
    path: layout.kind === 'flat' ? layout.eventLogOf('') : dir,
    append(event: object): void {
      if (closed) throw new Error(`event log of run ${runId} is closed`);
      const given = (event as { subrun_id?: unknown }).subrun_id;
      const id = typeof given === 'string' && given !== '' ? given : current?.id ?? lastWritten() ?? `${runId}-s00`;
      logFor(layout.kind === 'flat' ? '' : id).append(event);
    },
    close(): void {
      if (closed) return;
      closed = true;
      current?.log.close();
      current = null;
    },
  };
}
