// `road_runner export`: every step of every sub-run of a run as one table (SPEC §6, §9),
// written as CSV, a JSON array or JUnit XML. Streams in two passes over steps.ldjson, so a
// run of 100,000 steps exports in bounded memory.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { ExitCode, RrError, UsageError } from '../errors.js';
import { RECORD_FILES } from '../records/layout.js';
import { readJsonSkimmed } from './jsonSkim.js';
import { BASE_COLUMNS, collectExportShape, streamExportRows, type ExportShape } from './exportRows.js';
import { resolveRunFolder } from './runFolder.js';
import { writeCsv, writeJson } from './tableWriters.js';
import { writeJunit } from './junitWriter.js';

/** The export formats. */
export type ExportFormat = 'csv' | 'json' | 'junit';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'junit'];

/** File extension of each format's default output (`runs/<ID>/export.<ext>`). */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', json: 'json', junit: 'xml' };

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
  const dir = resolveRunFolder(root, runId);
  const unit = await readUnit(dir, runId);
  const warnings: string[] = [];
  const stepsPath = join(dir, RECORD_FILES.steps);
  const shape: ExportShape = existsSync(stepsPath)
    ? await collectExportShape(stepsPath, { onTornLine: (text) => warnings.push(`${stepsPath}: torn last line skipped (${text.length} bytes; the writer was killed mid-line)`) })
    : describeMissingSteps(stepsPath, unit.executedSteps);
  const rows = existsSync(stepsPath) ? streamExportRows(stepsPath, runId, unit.unit, shape.columns) : emptyRows();
  if (format === 'csv') await writeCsv(rows, shape.columns, out);
  else if (format === 'json') await writeJson(rows, shape.columns, out);
  else await writeJunit(rows, shape, runId, out);
  return { rows: shape.rows, columns: shape.columns, warnings };
}

// The unit (and whether any step ran) from summary.json, without reading its sub-run list.
async function readUnit(dir: string, runId: string): Promise<{ unit: string; executedSteps: number }> {
  let summary: unknown;
  try {
    summary = await readJsonSkimmed(join(dir, RECORD_FILES.summary), `summary of run ${runId}`, ['subruns']);
  } catch (err) {
    if (err instanceof RrError) {
      throw new RrError(err.message, ExitCode.usage,
        'the export needs the unit from summary.json; if the run crashed, `road_runner recover` writes its summary');
    }
    throw err;
  }
  const s = summary as { unit?: unknown; counts?: Record<string, unknown> } | null;
  const executed = Object.entries(s?.counts ?? {}).reduce((n, [k, v]) => n + (k === 'skipped' ? 0 : Number(v) || 0), 0);
  return { unit: typeof s?.unit === 'string' ? s.unit : '', executedSteps: executed };
}

function describeMissingSteps(stepsPath: string, executedSteps: number): ExportShape {
  if (executedSteps > 0) {
    throw new RrError(`event log not found: ${stepsPath} (the summary counts ${executedSteps} executed steps)`, ExitCode.usage,
      'restore steps.ldjson from a copy; without it the steps of this run cannot be exported');
  }
  return { columns: [...BASE_COLUMNS], rows: 0, byStatus: {}, durationMs: 0 };
}

async function* emptyRows(): AsyncGenerator<never> {
  // A run where no step ran (dry run, or aborted before the first step): header only.
}
