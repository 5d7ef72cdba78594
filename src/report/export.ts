// `road_runner export`: every executed step of every sub-run of a run as one table (SPEC §6,
// §9), written as CSV or a JSON array; or JUnit XML with every planned step; or (`boundary`)
// the run's boundary.json as CSV, one row per searched column (boundaryExport.ts). Streams in two
// passes over the run's event logs (and, for JUnit, one more over plan.json's sub-run lines),
// so a run of 100,000 steps exports in bounded memory. Either run folder layout is read.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { ExitCode, RrError, UsageError } from '../errors.js';
import { RECORD_FILES, assertSubrunOf } from '../records/layout.js';
import { readJsonFile } from '../records/jsonFile.js';
import { readPlannedSubruns } from '../records/planSubruns.js';
import { hasEventLogs, runFolderLayout, type RunFolderLayout } from '../records/runFolderLayout.js';
import { readJsonSkimmed } from './jsonSkim.js';
import { BASE_COLUMNS, TRAILING_COLUMNS, collectExportShape, streamExportRows, type ExportShape, type SubrunStatusOf } from './exportRows.js';
import { resolveRunFolder } from './runFolder.js';
import { writeCsvBatches, writeJsonBatches } from './tableWriters.js';
import { writeJunit, type JunitContext } from './junitWriter.js';

/** The export formats. */
export type ExportFormat = 'csv' | 'json' | 'junit' | 'boundary';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'junit', 'boundary'];

/** File extension of each format's default output (`runs/<ID>/export.<ext>`). */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', json: 'json', junit: 'xml', boundary: 'boundary.csv' };

/** What an export wrote. */
export interface ExportResult {
  rows: number;
  columns: string[];
  warnings: string[];
}

/**
 * Writes the export of run `runId` to `out` (which it does not end). Throws RrError (exit 2)
 * for a malformed or unknown run id, a missing or damaged summary or event log, before
 * anything is written.
 */
export async function exportRun(root: string, runId: string, format: ExportFormat, out: Writable): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(format)) {
    throw new UsageError(`unknown export format "${String(format)}"`, `use one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (format === 'boundary') {
    const { exportBoundary } = await import('./boundaryExport.js');
    return { ...(await exportBoundary(root, runId, out)), warnings: [] };
  }
  const dir = resolveRunFolder(root, runId);
  const head = await readRunHead(dir, runId);
  const layout = runFolderLayout(dir, runId);
  const warnings: string[] = [];
  const logged = hasEventLogs(layout);
  const shape: ExportShape = logged
    ? await collectExportShape(layout, { onTornLine: (file, text) => warnings.push(`${file}: torn last line skipped (${text.length} bytes; the writer was killed mid-line)`) })
    : describeMissingSteps(dir, head.executedSteps);
  const planHead = format === 'junit' ? await readPlanHead(dir, runId) : null;
  const rows = logged ? streamExportRows(layout, runId, head.unit, shape.columns, { health: shape.health, statusOf: subrunStatusReader(layout, runId, head.subrunStatus) }) : emptyRows();
  if (format === 'csv') await writeCsvBatches(rows, shape.columns, out);
  else if (format === 'json') await writeJsonBatches(rows, shape.columns, out);
  else await writeJunit(rows, shape, junitContext(layout, runId, head, planHead!, shape), out);
  return { rows: shape.rows, columns: shape.columns, warnings };
}

interface RunHead {
  unit: string;
  executedSteps: number;
  status: string;
  reason: string | null;
  /** The status of each sub-run the run summary lists as ended (not `planned`). */
  subrunStatus: Map<string, string>;
}

interface PlanHead {
  flow: string;
  plannedSteps: number;
}

function junitContext(layout: RunFolderLayout, runId: string, head: RunHead, plan: PlanHead, shape: ExportShape): JunitContext {
  const planPath = join(layout.dir, RECORD_FILES.plan);
  return {
    runId,
    flow: plan.flow,
    planned: readPlannedSubruns(planPath),
    plannedSteps: plan.plannedSteps,
    runStatus: head.status,
    runReason: head.reason,
    health: shape.health ?? new Map(),
    stderrPath: (row) => (typeof row.stderr_log === 'string' ? join(layout.dir, row.stderr_log) : null),
  };
}

// The flow and the number of planned steps: one pass over plan.json's sub-run lines.
async function readPlanHead(dir: string, runId: string): Promise<PlanHead> {
  const path = join(dir, RECORD_FILES.plan);
  const fix = 'the JUnit export lists every planned step from plan.json; restore it from a copy, or export csv or json';
  let plan: unknown;
  try {
    plan = await readJsonSkimmed(path, `plan of run ${runId}`, ['subruns']);
  } catch (err) {
    if (err instanceof RrError) throw new RrError(err.message, ExitCode.usage, fix);
    throw err;
  }
  const flow = (plan as { flow?: unknown } | null)?.flow;
  let plannedSteps = 0;
  try {
    for await (const sub of readPlannedSubruns(path)) plannedSteps += Array.isArray(sub?.steps) ? sub.steps.length : 0;
  } catch (err) {
    if (err instanceof RrError) throw new RrError(err.message, ExitCode.usage, fix);
    throw err;
  }
  return { flow: typeof flow === 'string' && flow !== '' ? flow : 'flow', plannedSteps };
}

/** A run summary up to this size is read whole, for its sub-run statuses; a larger one is skimmed. */
const WHOLE_SUMMARY_BYTES = 64 * 1024 * 1024;

// The unit, status and reason (and whether any step ran) from summary.json, and the status of
// each sub-run it lists (SPEC §9: `subruns: [{id, status, …}]`). That list is read unless the
// summary is huge (then it is skimmed, and each sub-run's status comes from its own summary).
async function readRunHead(dir: string, runId: string): Promise<RunHead> {
  const path = join(dir, RECORD_FILES.summary);
  let summary: unknown;
  try {
    summary = sizeOf(path) <= WHOLE_SUMMARY_BYTES
      ? readJsonFile(path, `summary of run ${runId}`)
      : await readJsonSkimmed(path, `summary of run ${runId}`, ['subruns']);
  } catch (err) {
    if (err instanceof RrError) {
      throw new RrError(err.message, ExitCode.usage,
        'the export needs the unit from summary.json; if the run crashed, `road_runner recover` writes its summary');
    }
    throw err;
  }
  const s = summary as { unit?: unknown; counts?: Record<string, unknown>; status?: unknown; reason?: unknown; subruns?: unknown } | null;
  const executed = Object.entries(s?.counts ?? {}).reduce((n, [k, v]) => n + (k === 'skipped' ? 0 : Number(v) || 0), 0);
  const subrunStatus = new Map<string, string>();
  if (Array.isArray(s?.subruns)) {
    for (const sub of s.subruns as { id?: unknown; status?: unknown }[]) {
      if (typeof sub?.id === 'string' && typeof sub.status === 'string' && sub.status !== 'planned') subrunStatus.set(sub.id, sub.status);
    }
  }
  return {
    unit: typeof s?.unit === 'string' ? s.unit : '',
    executedSteps: executed,
    status: typeof s?.status === 'string' ? s.status : 'unknown',
    reason: typeof s?.reason === 'string' && s.reason !== '' ? s.reason : null,
    subrunStatus,
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // missing: readJsonFile words the error
  }
}

// The status of each sub-run: as the run summary lists it once the sub-run ended (the executor
// and recover write it there from the sub-run's own summary), otherwise (a run still going, or
// one that crashed before its summary was closed) from the sub-run's own summary.json, read once
// per sub-run as the rows reach it (rows come sub-run by sub-run, so only the last one is kept).
function subrunStatusReader(layout: RunFolderLayout, runId: string, listed: Map<string, string>): SubrunStatusOf {
  let last: { id: string; status: string | null } | null = null;
  return (id) => {
    const known = listed.get(id);
    if (known !== undefined) return known;
    if (last?.id === id) return last.status;
    let status: string | null = null;
    try {
      assertSubrunOf(runId, id);
      const s = readJsonFile(join(layout.subrunDir(id), RECORD_FILES.summary), `summary of sub-run ${id}`) as { status?: unknown } | null;
      status = typeof s?.status === 'string' ? s.status : null;
    } catch {
      // No summary (a crash mid-sub-run): the column stays empty.
    }
    last = { id, status };
    return status;
  };
}

function describeMissingSteps(dir: string, executedSteps: number): ExportShape {
  if (executedSteps > 0) {
    throw new RrError(`no event log (steps.ldjson) in ${dir} (the summary counts ${executedSteps} executed steps)`, ExitCode.usage,
      'restore steps.ldjson from a copy; without it the steps of this run cannot be exported');
  }
  return { columns: [...BASE_COLUMNS, ...TRAILING_COLUMNS], rows: 0, byStatus: {}, durationMs: 0 };
}

async function* emptyRows(): AsyncGenerator<never[]> {
  // A run where no step ran (dry run, or aborted before the first step): header only.
}
