// Loads the JSON records of one run for reporting: summary.json, plan.json (its bulky
// sub-run list skimmed when the summary already lists the sub-runs) and sysinfo.json.
// A missing or damaged record is a problem (exit 2) or a warning; what remains is reported.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RrError, ExitCode } from '../errors.js';
import { RECORD_FILES, assertSubrunOf, runDir } from '../records/layout.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { readJsonFile } from '../records/jsonFile.js';
import type { RunStatus, RunSummary, SubrunSummary } from '../records/recordTypes.js';
import type { Plan } from '../plan/types.js';
import { readJsonSkimmed } from './jsonSkim.js';
import { resolveRunFolder } from './runFolder.js';

/** What went wrong while reading a run: problems make `report` exit 2, warnings do not. */
export interface RecordIssues {
  problems: string[];
  warnings: string[];
}

/** The JSON records of a run, each null when missing or damaged. */
export interface RunRecords {
  runId: string;
  dir: string;
  summary: RunSummary | null;
  /** The plan; its `subruns` is empty when it was skimmed (the summary lists them). */
  plan: Plan | null;
  sysinfo: Record<string, unknown> | null;
  issues: RecordIssues;
}

/** A sub-run as the report lists it. */
export interface SubrunEntry {
  id: string;
  index: number;
  /** Recorded status; undefined when no summary says. */
  status: RunStatus | undefined;
  point: Record<string, number>;
  margins: Record<string, number>;
}

/** Reads a run's records; throws (exit 2) only when neither summary nor plan can be read. */
export async function loadRunRecords(root: string, runId: string): Promise<RunRecords> {
  const dir = resolveRunFolder(root, runId);
  const issues: RecordIssues = { problems: [], warnings: [] };
  const summary = readRecord(dir, RECORD_FILES.summary, `summary of run ${runId}`, issues,
    'the run did not finish writing its records (crash or kill -9); run `road_runner recover` to close it', isRunSummary);
  const plan = summary
    ? await readPlan(dir, runId, issues, true)
    : await readPlan(dir, runId, issues, false);
  if (summary === null && plan === null) {
    throw new RrError(`nothing to report for run ${runId}: ${issues.problems.join('; ')}`, ExitCode.usage,
      'a run folder needs summary.json or plan.json; re-create the run with `road_runner plan` or `road_runner run`');
  }
  let sysinfo: Record<string, unknown> | null = null;
  const sysinfoPath = join(dir, RECORD_FILES.sysinfo);
  if (!existsSync(sysinfoPath)) {
    issues.warnings.push(`${sysinfoPath} is missing; the report has no host details (a dry run or a crash before collection)`);
  } else {
    sysinfo = readRecord(dir, RECORD_FILES.sysinfo, `sysinfo of run ${runId}`, issues,
      'the file was damaged; the host details cannot be recovered from it', isObject);
  }
  return { runId, dir, summary, plan, sysinfo, issues };
}

async function readPlan(dir: string, runId: string, issues: RecordIssues, skim: boolean): Promise<Plan | null> {
  const path = join(dir, RECORD_FILES.plan);
  const fix = 'plan.json is written before anything runs; restore it from a copy or re-plan with `road_runner plan`';
  try {
    const value = skim ? await readJsonSkimmed(path, `plan of run ${runId}`, ['subruns']) : readJsonFile(path, `plan of run ${runId}`);
    if (!isObject(value)) throw new RrError(`${path} does not hold a plan object`, ExitCode.usage);
    const plan = value as unknown as Plan;
    return { ...plan, axes: Array.isArray(plan.axes) ? plan.axes : [], subruns: Array.isArray(plan.subruns) ? plan.subruns : [] };
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    issues.problems.push(`${err.message} — ${fix}`);
    return null;
  }
}

function readRecord<T>(dir: string, file: string, what: string, issues: RecordIssues, fix: string, check: (v: unknown) => v is T): T | null {
  const path = join(dir, file);
  try {
    const value = readJsonFile(path, what);
    if (check(value)) return value;
    issues.problems.push(`${path} is not a ${what} (unexpected shape) — ${fix}`);
  } catch (err) {
    if (!(err instanceof RrError)) throw err;
    issues.problems.push(`${err.message} — ${fix}`);
  }
  return null;
}

/** The sub-runs of a run in index order: from the summary, else from the plan (status unknown). */
export function listSubrunEntries(records: RunRecords): SubrunEntry[] {
  if (records.summary) {
    return records.summary.subruns.map((s) => ({ id: s.id, index: s.index, status: s.status, point: s.point ?? {}, margins: s.margins ?? {} }));
  }
  return (records.plan?.subruns ?? []).map((s) => ({ id: s.id, index: s.index, status: undefined, point: s.point ?? {}, margins: s.margins ?? {} }));
}

/** A swept axis as plotted: its name (`rail` or `adapter:rail`) and its values, ascending. */
export interface AxisView {
  name: string;
  values: number[];
}

/** The swept axes in plan order; inferred from the sub-runs' points when the plan is unreadable. */
export function listAxisViews(plan: Plan | null, subruns: SubrunEntry[]): AxisView[] {
  if (plan && plan.axes.length > 0) {
    return plan.axes.map((a) => ({
      name: a.name ?? (a.target === 'default' ? a.rail : `${a.target}:${a.rail}`),
      values: [...new Set(a.values)].sort((x, y) => x - y),
    }));
  }
  const byName = new Map<string, Set<number>>();
  for (const s of subruns) {
    for (const [name, value] of Object.entries(s.point)) {
      if (!byName.has(name)) byName.set(name, new Set());
      byName.get(name)!.add(value);
    }
  }
  return [...byName].filter(([, values]) => values.size > 1)
    .map(([name, values]) => ({ name, values: [...values].sort((x, y) => x - y) }));
}

/** Why some sub-runs were aborted or crashed, read from their own summaries (at most `limit`). */
export function readSubrunReasons(root: string, runId: string, ids: string[], limit: number): Map<string, string> {
  const reasons = new Map<string, string>();
  const layout = runFolderLayout(runDir(root, runId), runId);
  for (const id of ids.slice(0, limit)) {
    try {
      assertSubrunOf(runId, id);
      const value = readJsonFile(join(layout.subrunDir(id), RECORD_FILES.summary), `summary of sub-run ${id}`) as Partial<SubrunSummary>;
      if (typeof value?.reason === 'string' && value.reason !== '') reasons.set(id, value.reason);
    } catch {
      // A missing sub-run summary only loses the reason; the status is in the parent summary.
    }
  }
  return reasons;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRunSummary(value: unknown): value is RunSummary {
  return isObject(value) && typeof value.run_id === 'string' && Array.isArray(value.subruns);
}
