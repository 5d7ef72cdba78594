// `report.md` and `report.html` of a run, re-rendered from its saved records alone
// (summary.json, plan.json, steps.ldjson, sysinfo.json, the step logs). Called by the
// executor at the end of every run and by `road_runner report`.

import { join } from 'node:path';
import { writeFileAtomic } from '../records/jsonFile.js';
import { loadRunRecords } from './runData.js';
import { scanSteps } from './stepScan.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { buildReportView, REPORT_LIMITS } from './viewModel.js';
import { renderTemplate } from './templates.js';

export { loadTemplateEngine } from './templates.js';

/** What renderReports wrote, and what it could not report. */
export interface RenderResult {
  /** Path of report.md. */
  md: string;
  /** Path of report.html. */
  html: string;
  /** Everything worth telling the user, problems included. */
  warnings: string[];
  /** Missing or damaged records (a subset of warnings): `road_runner report` exits 2 when any. */
  problems: string[];
}

/**
 * Renders both reports of run `runId` under `root` and writes them into the run folder.
 * Throws RrError (exit 2) for a malformed or unknown run id, a run with neither summary nor
 * plan, or a template error; a record that is missing or damaged is reported in the result
 * while everything else is still rendered.
 */
export async function renderReports(root: string, runId: string): Promise<RenderResult> {
  const records = await loadRunRecords(root, runId);
  const scan = await scanSteps(runFolderLayout(records.dir, records.runId), { rows: REPORT_LIMITS.steps, failures: REPORT_LIMITS.failures, marginIssues: REPORT_LIMITS.marginIssues });
  const problems = [...records.issues.problems, ...scan.problems];
  const warnings = [...records.issues.warnings, ...scan.warnings];
  if (!scan.found && records.summary && hasRunSteps(records.summary.counts)) {
    problems.push(`the event logs (steps.ldjson) of ${records.dir} are missing although the summary counts executed steps — the step table and failure details are empty; restore the file from a copy`);
  }
  const view = await buildReportView(root, records, scan);
  const context = { ...view, problems, warnings };
  const md = await renderTemplate(root, 'report.md.njk', context);
  const html = await renderTemplate(root, 'report.html.njk', context);
  const mdPath = join(records.dir, 'report.md');
  const htmlPath = join(records.dir, 'report.html');
  // Rebuilt from the records on demand, so not fsynced (the records they come from are).
  writeFileAtomic(mdPath, md);
  writeFileAtomic(htmlPath, html);
  return { md: mdPath, html: htmlPath, warnings: [...problems, ...warnings], problems };
}

function hasRunSteps(counts: object | undefined): boolean {
  if (!counts) return false;
  return Object.entries(counts).some(([status, n]) => status !== 'skipped' && Number(n) > 0);
}
