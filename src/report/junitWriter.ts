// JUnit XML of an export, as Jenkins and GitLab read it: a <testsuite> per planned sub-run
// and a <testcase> per PLANNED step, plus a `health` testcase in a sub-run whose hardware
// health made it marginal (system-out) or failed (<failure>). A step that ran carries <failure> (failed) or <error>
// (timeout, error, interrupted) and the tail of its stderr in <system-out>; a step that never
// ran (skipped after a failure, or its sub-run never started) carries <skipped/> with why.
// The classname names the flow, the step and the swept point
// (`sample_flow.smoke.vcore_mv=900.freq_mhz=2000`), never the run, so CI keeps one history
// per margin point across runs. Streams: the planned sub-runs and the executed rows are
// merged in plan order; only the current sub-run's cases are held.

import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PlannedStep, PlannedSubrun } from '../plan/types.js';
import { type ExportRow, type ExportShape, type ExportValue, type SubrunHealthCell } from './exportRows.js';
import { readTailSync } from './tail.js';

/** Lines and bytes of a step's stderr kept in <system-out>. */
export const JUNIT_STDERR_TAIL = { lines: 40, bytes: 8 * 1024 } as const;

/** What the JUnit writer needs besides the rows. */
export interface JunitContext {
  runId: string;
  flow: string;
  /** The planned sub-runs in plan order. */
  planned: AsyncIterable<PlannedSubrun>;
  /** Number of planned steps over all sub-runs. */
  plannedSteps: number;
  /** Status and reason of the run, said of sub-runs that never started. */
  runStatus: string;
  runReason: string | null;
  /** Health of each sub-run that recorded it: a sub-run the health readings made marginal or failed gets a `health` testcase. */
  health: Map<string, SubrunHealthCell>;
  /** Absolute path of a step's log (stderr), null when unknown. */
  stderrPath: (row: Named) => string | null;
}

/** Writes rows as JUnit XML; does not end `out`. */
export async function writeJunit(rows: AsyncIterable<ExportRow>, shape: ExportShape, ctx: JunitContext, out: Writable): Promise<void> {
  await pipeline(Readable.from(toJunitText(rows, shape, ctx)), out, { end: false });
}

/** A row as column name → value. */
export type Named = Record<string, ExportValue>;

/** The classname of a planned step: `<flow>.<step>.<axis=value>…` (`nominal` for a point with no axis). */
export function junitClassname(flow: string, stepId: string, point: Record<string, number> | undefined): string {
  return [classPart(flow), classPart(stepId), ...pointParts(point)].join('.');
}

/** The testsuite name of a sub-run: `<flow>.<axis=value>…`, stable across runs like the classnames. */
export function junitSuiteName(flow: string, point: Record<string, number> | undefined): string {
  return [classPart(flow), ...pointParts(point)].join('.');
}

function pointParts(point: Record<string, number> | undefined): string[] {
  const parts = Object.entries(point ?? {}).map(([axis, value]) => `${classPart(axis)}=${classPart(String(value))}`);
  return parts.length > 0 ? parts : ['nominal'];
}

/** The testcase name of a planned step: its log name without `.log` (`00_smoke`, `01_patterns-1`). */
export function junitCaseName(step: Pick<PlannedStep, 'log_name' | 'index' | 'step_id'>): string {
  return typeof step.log_name === 'string' ? step.log_name.replace(/\.log$/, '') : `${String(step.index).padStart(2, '0')}_${step.step_id}`;
}

// Dots separate Jenkins' package levels: a dot inside a name or value becomes `_`.
function classPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_:=+-]/g, '_');
}

async function* toJunitText(rows: AsyncIterable<ExportRow>, shape: ExportShape, ctx: JunitContext): AsyncGenerator<string> {
  const healthCases = [...ctx.health.values()].filter((h) => h.verdict !== 'passed');
  const failures = (shape.byStatus.failed ?? 0) + healthCases.filter((h) => h.verdict === 'failed').length;
  const errors = shape.rows - (shape.byStatus.failed ?? 0) - (shape.byStatus.passed ?? 0);
  const skipped = Math.max(0, ctx.plannedSteps - shape.rows);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${escapeXml(`road_runner ${ctx.flow}`)}" tests="${ctx.plannedSteps + healthCases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(shape.durationMs)}">\n`;
  const rowIter = rows[Symbol.asyncIterator]();
  let next = await pull(rowIter, shape.columns);
  for await (const sub of ctx.planned) {
    // Rows of sub-runs before this one in plan order that were not matched are stale (a crashed attempt): dropped.
    while (next !== null && compareIds(String(next.named.subrun_id ?? ''), sub.id) < 0) next = await pull(rowIter, shape.columns);
    const byIndex = new Map<number, { named: Named; row: ExportRow }>();
    while (next !== null && next.named.subrun_id === sub.id) {
      if (typeof next.named.step_index === 'number') byIndex.set(next.named.step_index, next);
      next = await pull(rowIter, shape.columns);
    }
    yield formatSuite(sub, byIndex, ctx);
  }
  yield '</testsuites>\n';
}

async function pull(it: AsyncIterator<ExportRow>, columns: string[]): Promise<{ named: Named; row: ExportRow } | null> {
  const r = await it.next();
  if (r.done) return null;
  const named: Named = {};
  columns.forEach((c, i) => (named[c] = r.value.values[i] ?? null));
  return { named, row: r.value };
}

// Sub-run ids of one run differ only in their index; a longer id has the larger index.
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function formatSuite(sub: PlannedSubrun, ran: Map<number, { named: Named; row: ExportRow }>, ctx: JunitContext): string {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  let durationMs = 0;
  let timestamp: string | null = null;
  let stopper: string | null = null;
  for (const step of sub.steps) {
    const head = `    <testcase classname="${escapeXml(junitClassname(ctx.flow, step.step_id, sub.point))}" name="${escapeXml(junitCaseName(step))}"`;
    const hit = ran.get(step.index);
    if (!hit) {
      skipped += 1;
      const why = ran.size === 0 ? neverStarted(sub.id, ctx) : stopper ?? 'not run: the sub-run ended before this step';
      cases.push(`${head} time="0.000">\n      <skipped message="${escapeXml(why)}"/>\n    </testcase>\n`);
      continue;
    }
    const { named, row } = hit;
    const duration = typeof named.duration_ms === 'number' ? named.duration_ms : 0;
    durationMs += duration;
    if (timestamp === null && typeof named.started_at === 'string') timestamp = named.started_at;
    const status = String(named.status);
    let body = '';
    if (status !== 'passed') {
      const reason = describeReason(named, row);
      if (status === 'failed') {
        failures += 1;
        body += `      <failure type="failed" message="${escapeXml(reason)}">${escapeXml(reason)}</failure>\n`;
      } else {
        errors += 1;
        body += `      <error type="${escapeXml(status)}" message="${escapeXml(reason)}">${escapeXml(reason)}</error>\n`;
      }
      if (step.on_fail === 'stop' || status === 'interrupted') {
        stopper = `not run: step ${junitCaseName(step)} ended ${status}${status === 'interrupted' ? '' : ' and stops its sub-run (on_fail: stop)'}`;
      }
    }
    if (status === 'passed' && row.marginalReason !== null) {
      // A marginal step passes; CI keeps it green, with a property and the reason in system-out.
      body += `      <properties>\n        <property name="marginal" value="true"/>\n      </properties>\n`;
      body += systemOut(ctx.stderrPath(named), `MARGINAL: ${row.marginalReason}`);
    } else body += systemOut(ctx.stderrPath(named));
    cases.push(body === '' ? `${head} time="${seconds(duration)}"/>\n` : `${head} time="${seconds(duration)}">\n${body}    </testcase>\n`);
  }
  const health = ctx.health.get(sub.id);
  let tests = sub.steps.length;
  if (health && health.verdict !== 'passed') {
    // Health is a verdict on the whole sub-run: one more testcase, a failure when it failed the sub-run.
    tests += 1;
    const head = `    <testcase classname="${escapeXml(junitClassname(ctx.flow, 'health', sub.point))}" name="health" time="0.000">\n`;
    const reason = health.reason ?? `health ${health.verdict}`;
    const out = `      <system-out>${escapeXml([reason, ...health.lines].join('\n'), false)}</system-out>\n`;
    if (health.verdict === 'failed') {
      failures += 1;
      cases.push(`${head}      <failure type="health" message="${escapeXml(reason)}">${escapeXml(reason)}</failure>\n${out}    </testcase>\n`);
    } else {
      cases.push(`${head}${out}    </testcase>\n`);
    }
  }
  const firstRow = ran.values().next().value as { named: Named } | undefined;
  const status = firstRow?.named.subrun_status;
  const props = [['run_id', ctx.runId], ['subrun_id', sub.id], ...Object.entries(sub.margins ?? {}).map(([k, v]) => [`margin_${k}`, String(v)]),
    ...(typeof status === 'string' ? [['subrun_status', status]] : []),
    ...(health ? [['health_ce_delta', String(health.ce ?? '')], ['health_ue_delta', String(health.ue ?? '')], ['health_verdict', health.verdict]] : [])]
    .map(([k, v]) => `      <property name="${escapeXml(k!)}" value="${escapeXml(v!)}"/>\n`).join('');
  return `  <testsuite name="${escapeXml(junitSuiteName(ctx.flow, sub.point))}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(durationMs)}"${timestamp ? ` timestamp="${escapeXml(timestamp)}"` : ''}>\n`
    + `    <properties>\n${props}    </properties>\n${cases.join('')}  </testsuite>\n`;
}

function neverStarted(subrunId: string, ctx: JunitContext): string {
  const reason = ctx.runReason ? `: ${ctx.runReason.length > 300 ? `${ctx.runReason.slice(0, 300)}…` : ctx.runReason}` : '';
  return `not run: sub-run ${subrunId} never started (run ${ctx.runStatus}${reason})`;
}

// The end of a step's stderr, bounded; nothing when the log is empty or missing.
function systemOut(path: string | null, note: string | null = null): string {
  const tail = path === null ? null : readTailSync(path, { maxLines: JUNIT_STDERR_TAIL.lines, maxBytes: JUNIT_STDERR_TAIL.bytes });
  const lines = tail === null || tail.missing ? [] : tail.lines;
  if (lines.length === 0 && note === null) return '';
  const head = note === null ? '' : `${note}\n`;
  const text = `${head}${tail?.truncated ? '[… earlier stderr in the log]\n' : ''}${lines.join('\n')}`;
  return `      <system-out>${escapeXml(text, false)}</system-out>\n`;
}

// What went wrong with a step, in one line: status, exit code or signal, and the error text.
function describeReason(v: Named, row: ExportRow): string {
  const parts = [`${String(v.status)} (adapter ${String(v.adapter)}`];
  if (v.exit_code !== null) parts.push(`, exit code ${String(v.exit_code)}`);
  if (row.signal) parts.push(`, signal ${row.signal}`);
  parts.push(`, ${String(v.duration_ms)} ms)`);
  if (row.error) parts.push(`: ${row.error}`);
  return parts.join('');
}

/**
 * Escapes text for XML attributes (the default: newlines and tabs as character references)
 * or element content (`attribute` false: they stay); drops characters XML 1.0 cannot hold.
 */
export function escapeXml(text: string, attribute = true): string {
  const escaped = text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
  if (!attribute) return escaped.replace(/\r/g, '&#13;');
  return escaped
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
