// Assembles everything the report templates show into one plain object: the run header,
// bounds, the shmoo (SVG and text), the sub-run and step tables, failure details with log
// tails, margin problems and the host summary. Templates only lay it out.

import { basename, join } from 'node:path';
import { RUN_STATUSES, type RunSummary } from '../records/recordTypes.js';
import { assertSubrunOf, runDir } from '../records/layout.js';
import { runFolderLayout, type RunFolderLayout } from '../records/runFolderLayout.js';
import { formatDuration, formatPairs, showValue } from './format.js';
import { classifySubrun } from './outcome.js';
import { listAxisViews, listSubrunEntries, readSubrunReasons, type RunRecords, type SubrunEntry } from './runData.js';
import type { EndedStepStatus } from './outcome.js';
import { orderAxesForBoundary, placeSubruns, type ShmooPoint } from './shmooGrid.js';
import { CELL_STATES, judgeShmoo, type CellState, type JudgedShmoo } from './shmooCells.js';
import { layoutShmoo, subrunAnchor, type HitLayer } from './shmooSvg.js';
import { layoutCurves } from './shmooCurve.js';
import { drawShmooText } from './shmooText.js';
import { readBoundary } from '../records/boundaryRead.js';
import type { BoundaryFile } from '../search/types.js';
import type { StepRow, StepScan } from './stepScan.js';
import { summarizeSysinfo } from './sysinfoView.js';
import { readTail, type LogTail } from './tail.js';

/** Caps of the tables (counts always cover everything). */
export const REPORT_LIMITS = { steps: 2000, subruns: 2000, failures: 50, marginIssues: 50, tailLines: 20 } as const;

type Pair = { label: string; value: string };

/** Builds the template context of a run's report. */
export async function buildReportView(root: string, records: RunRecords, scan: StepScan) {
  const { summary, plan } = records;
  const entries = listSubrunEntries(records);
  const { shmoo, points } = buildShmooView(records, entries, scan.bySubrun);
  const troubled = entries.filter((s) => s.status !== 'passed' && s.status !== 'planned' && s.status !== undefined).map((s) => s.id);
  const reasons = readSubrunReasons(root, records.runId, troubled, REPORT_LIMITS.failures);
  return {
    run: describeRun(records),
    host: describeHost(summary),
    profile: { name: summary?.profile ?? plan?.profile ?? null, reasons: summary?.profile_reasons ?? plan?.profile_reasons ?? [] },
    bounds: describeBounds(summary?.bounds ?? plan?.bounds ?? null),
    stepCounts: describeStepCounts(summary?.counts ?? { ...scan.counts, marginal: scan.marginal }),
    subrunCounts: tallySubruns(entries),
    health: describeHealth(summary),
    countsSource: summary ? 'summary.json' : 'steps.ldjson',
    shmoo,
    subruns: {
      total: entries.length,
      rows: entries.slice(0, REPORT_LIMITS.subruns).map((s, i) => {
        const steps = scan.bySubrun.get(s.id);
        return {
          id: s.id, anchor: subrunAnchor(s.id), index: s.index, outcome: points[i]!.outcome, status: s.status ?? 'unknown',
          point: formatPairs(s.point), margins: formatPairs(s.margins), steps: steps?.steps ?? 0,
          duration: formatDuration(steps?.duration_ms), reason: reasons.get(s.id) ?? '',
        };
      }),
    },
    steps: { total: scan.total, found: scan.found, rows: scan.rows.map(describeStep), metricNames: scan.metricNames },
    failures: { total: scan.failuresTotal, items: await Promise.all(scan.failures.map((row) => describeFailure(root, records.runId, row))) },
    marginIssues: { total: scan.marginIssuesTotal, items: scan.marginIssues },
    sysinfo: summarizeSysinfo(records.sysinfo),
    inputs: summary?.inputs ?? plan?.inputs ?? [],
    limits: REPORT_LIMITS,
  };
}

/**
 * The shmoo plot and boundary curve of a run as the templates draw them (templates/shmoo.html.njk),
 * from its sub-runs and the worst step of each seen so far: the report and the dashboard
 * (road_runner serve, refreshed as steps end) both call this, so there is one drawing.
 * `text: false` leaves out the text shmoo of report.md (the dashboard draws only the SVG);
 * `hits: 'data'` gives large panels the hit layer the dashboard's script reads (see HitLayer).
 */
export function buildShmooView(records: RunRecords, entries: SubrunEntry[], bySubrun: ReadonlyMap<string, { worst: EndedStepStatus | null }>, options: { text?: boolean; hits?: HitLayer } = {}) {
  const boundaryRead = readBoundary(records.dir, records.runId);
  if (boundaryRead.kind === 'damaged') records.issues.warnings.push(boundaryRead.problem);
  const boundary = boundaryRead.kind === 'found' ? boundaryRead.boundary : null;
  const axes = orderAxesForBoundary(listAxisViews(records.plan, entries), boundary?.rail ?? null);
  const points: ShmooPoint[] = entries.map((s) => ({ id: s.id, point: s.point, outcome: classifySubrun(s.status, bySubrun.get(s.id)?.worst ?? null) }));
  const grid = placeSubruns(axes, points);
  const judged = judgeShmoo(grid, boundary);
  const shmoo = {
    kind: grid.kind, xName: grid.xName, yName: grid.yName, panelNames: grid.panelNames,
    axes, svgPanels: layoutShmoo(judged, grid.xName, grid.yName, options.hits), textPanels: options.text === false ? [] : drawShmooText(judged, grid.xName, grid.yName), cellCount: points.length,
    states: countStates(judged),
    edgeSource: judged.source,
    hasEndEdges: judged.panels.some((jp) => jp.edges.some((e) => e.atEnd)),
    direction: judged.direction,
    boundary: describeBoundary(boundary),
    curves: boundary ? layoutCurves(judged.panels, grid.xName, boundary.rail) : [],
  };
  return { shmoo, points };
}

/** The shmoo part of the report's context. */
export type ShmooView = ReturnType<typeof buildShmooView>['shmoo'];

// Cells per state, in legend order; the states that do not occur are listed with 0.
function countStates(judged: JudgedShmoo): { state: CellState; label: string; char: string; count: number }[] {
  const counts = new Map<CellState, number>();
  for (const jp of judged.panels) for (const c of jp.cells) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return CELL_STATES.map((s) => ({ ...s, count: counts.get(s.state) ?? 0 }));
}

// boundary.json as a table: one row per column.
function describeBoundary(b: BoundaryFile | null) {
  if (!b) return null;
  const show = (v: number | null) => (v === null ? 'never passed' : String(v));
  return {
    rail: b.rail, direction: b.direction, strategy: b.strategy, resolution: b.resolution, guardBand: b.guard_band,
    what: b.direction === 'down' ? `lowest passing ${b.rail} (Vmin)` : `highest passing ${b.rail} (Fmax)`,
    columns: b.columns.map((c) => ({
      axes: formatPairs(c.axes) || '(single column)', raw: show(c.raw), confirmed: show(c.confirmed), guardBanded: show(c.guard_banded),
      lastPass: showValue(c.last_pass), firstFail: showValue(c.first_fail), probes: c.probes,
      flaky: c.points.filter((p) => p.verdict === 'flaky').map((p) => `${p.value} (failed ${p.fails} of ${p.passes + p.fails})`).join(', '),
      holes: c.holes.join(', '),
    })),
  };
}

/** The context object the templates receive (plus `warnings` and `problems`). */
export type ReportView = Awaited<ReturnType<typeof buildReportView>>;

/** The header of a run (id, unit, status, flow, margin, seed, times) from its records. */
export function describeRun({ runId, summary, plan }: RunRecords) {
  const versions = Object.entries(summary?.versions ?? {}).map(([name, value]) => ({ name, value: String(value) }));
  return {
    id: runId,
    unit: summary?.unit ?? null,
    status: summary?.status ?? 'unknown (no summary.json)',
    flow: summary?.flow ?? plan?.flow ?? null,
    margin: summary?.margin ?? plan?.margin ?? null,
    combine: plan?.search ? `search: ${plan.search.spec.strategy}` : (plan?.combine ?? null),
    seed: summary?.seed ?? plan?.seed ?? null,
    seedSource: plan?.seed_source ?? null,
    startedAt: summary?.started_at ?? null,
    endedAt: summary?.ended_at ?? null,
    duration: formatDuration(summary?.duration_ms),
    exitCode: summary?.exit_code ?? null,
    dryRun: summary?.dry_run ?? false,
    reason: summary?.reason ?? null,
    version: summary?.versions?.road_runner ?? null,
    versions,
    rerunOf: describeRerunOf(summary?.rerun_of ?? plan?.rerun_of),
  };
}

// `rerun_of` of a rerun, as the header says it; null for any other run (or a damaged field).
function describeRerunOf(link: unknown): { runId: string; only: string } | null {
  const l = link as { run_id?: unknown; only?: unknown } | null | undefined;
  if (typeof l?.run_id !== 'string') return null;
  const only = Array.isArray(l.only) ? l.only.filter((x): x is string => typeof x === 'string') : [];
  return { runId: l.run_id, only: only.length > 0 ? only.join(', ') : 'selected' };
}

// Sub-runs per recorded status, best first (from the sub-run list, so a recovered run's tally is right too).
function tallySubruns(entries: { status: string | undefined }[]): { status: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of entries) if (e.status !== undefined) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  const rank = (s: string) => (RUN_STATUSES as readonly string[]).indexOf(s) >>> 0;
  return [...counts].sort(([a], [b]) => rank(a) - rank(b)).map(([status, count]) => ({ status, count }));
}

// The run's hardware health in one line, and each source that could not be read; null for a run recorded without it.
function describeHealth(summary: RunSummary | null): { text: string; policy: string; unavailable: string[] } | null {
  const h = summary?.health;
  if (!h || typeof h !== 'object') return null;
  const parts: string[] = [];
  if (typeof h.ce_delta === 'number') parts.push(`${h.ce_delta} new corrected, ${showValue(h.ue_delta)} new uncorrected memory errors`);
  if (typeof h.kernel_lines === 'number') parts.push(`${h.kernel_lines} hardware-error line(s) in the kernel log`);
  if (h.marginal > 0) parts.push(`health verdict marginal for ${h.marginal} sub-run(s)`);
  if (h.failed > 0) parts.push(`health verdict failed for ${h.failed} sub-run(s)`);
  const unavailable = Object.entries(h.sources ?? {}).filter(([, s]) => s && !s.available).map(([name, s]) => `${name === 'edac' ? 'EDAC counters' : 'kernel log'}: ${s.detail}`);
  return { text: parts.length > 0 ? parts.join(' · ') : 'no source could be read', policy: String(h.policy), unavailable };
}

function describeHost(summary: RunSummary | null): Pair[] {
  const h = summary?.host;
  if (!h) return [];
  return [
    { label: 'hostname', value: showValue(h.hostname) }, { label: 'model', value: showValue(h.model) },
    { label: 'vendor', value: showValue(h.vendor) }, { label: 'arch', value: showValue(h.arch) },
    { label: 'cores', value: showValue(h.cores) }, { label: 'kernel', value: showValue(h.kernel) },
    { label: 'detected from', value: showValue(h.origin) },
  ];
}

function describeBounds(bounds: RunSummary['bounds'] | null) {
  if (!bounds) return null;
  const rows = (ranges: RunSummary['bounds']['rails'] | undefined) => Object.entries(ranges ?? {}).map(([name, b]) => ({
    name, min: showValue(b.min), max: showValue(b.max),
    source: [...new Set([b.min_source, b.max_source].filter((s): s is string => typeof s === 'string'))].join(', '),
  }));
  const l = bounds.limits;
  const limits: Pair[] = l ? [
    { label: 'max sub-runs', value: `${showValue(l.max_subruns)} (${showValue(l.max_subruns_source)})` },
    { label: 'max step timeout s', value: l.max_step_timeout_s === undefined ? '—' : `${l.max_step_timeout_s} (${showValue(l.max_step_timeout_s_source)})` },
  ] : [];
  return { rails: rows(bounds.rails), params: rows(bounds.params), limits, requireAll: bounds.require_bounds_for_all_rails };
}

// Step counts as the tables show them; `marginal` (a part of passed) only when some step was, so older runs read as before.
function describeStepCounts(counts: object): { status: string; count: number }[] {
  return Object.entries(counts)
    .filter(([status, count]) => status !== 'marginal' || Number(count) > 0)
    .map(([status, count]) => ({ status: status === 'marginal' ? 'marginal (of passed)' : status, count: Number(count) }));
}

function describeStep(row: StepRow) {
  return {
    subrun_id: row.subrun_id, index: row.index, step_id: row.step_id, adapter: row.adapter, status: row.status,
    /** `passed` or `passed (marginal)`, as the tables print it; `outcome` is the CSS class / legend key. */
    label: row.marginal ? `${row.status} (marginal)` : row.status, outcome: row.marginal ? 'marginal' : row.status, marginal: row.marginal,
    exit_code: showValue(row.exit_code), signal: row.signal ?? '', duration: formatDuration(row.duration_ms),
    metrics: formatPairs(row.metrics), error: row.error ?? row.marginal_reason ?? '',
  };
}

async function describeFailure(root: string, runId: string, row: StepRow) {
  const logs = await readLogTails(root, runId, row);
  return { ...describeStep(row), ...logs };
}

// The stderr and stdout tails of a step; a missing log or a name that is not a plain file name says so.
async function readLogTails(root: string, runId: string, row: StepRow): Promise<{ stderr: LogTail & { file: string }; stdout: LogTail & { file: string } }> {
  const none = (file: string, reason: string) => ({ lines: [], truncated: false, missing: true, reason, size: 0, file });
  if (row.log_name === null || basename(row.log_name) !== row.log_name || row.log_name === '..') {
    const why = row.log_name === null ? 'no step_start recorded the log name' : `unsafe log name ${JSON.stringify(row.log_name)}`;
    return { stderr: none('', why), stdout: none('', why) };
  }
  let dir: string;
  let layout: RunFolderLayout;
  try {
    assertSubrunOf(runId, row.subrun_id);
    layout = runFolderLayout(runDir(root, runId), runId);
    dir = layout.subrunDir(row.subrun_id);
  } catch {
    const why = `sub-run id ${JSON.stringify(row.subrun_id)} is not one of run ${runId}`;
    return { stderr: none('', why), stdout: none('', why) };
  }
  const read = async (stream: 'stderr' | 'stdout') => ({
    ...(await readTail(join(dir, stream, row.log_name!), { maxLines: REPORT_LIMITS.tailLines })),
    file: layout.stepLogPath(row.subrun_id, stream, row.log_name!),
  });
  return { stderr: await read('stderr'), stdout: await read('stdout') };
}
