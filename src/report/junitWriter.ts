// JUnit XML of an export, as Jenkins and GitLab read it: a <testsuite> per sub-run and a
// <testcase> per step; failed steps carry <failure>, timeouts, errors and interruptions
// carry <error>. Streams: only the test cases of the current sub-run are held.

import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { indexColumns, type ExportRow, type ExportShape, type ExportValue } from './exportRows.js';

/** Writes rows as JUnit XML; does not end `out`. */
export async function writeJunit(rows: AsyncIterable<ExportRow>, shape: ExportShape, runId: string, out: Writable): Promise<void> {
  await pipeline(Readable.from(toJunitText(rows, shape, runId)), out, { end: false });
}

interface Suite {
  name: string;
  cases: string[];
  failures: number;
  errors: number;
  durationMs: number;
  timestamp: string | null;
  properties: [string, string][];
}

async function* toJunitText(rows: AsyncIterable<ExportRow>, shape: ExportShape, runId: string): AsyncGenerator<string> {
  const failures = shape.byStatus.failed ?? 0;
  const errors = shape.rows - failures - (shape.byStatus.passed ?? 0);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${escapeXml(`road_runner ${runId}`)}" tests="${shape.rows}" failures="${failures}" errors="${errors}" time="${seconds(shape.durationMs)}">\n`;
  const index = indexColumns(shape.columns);
  let suite: Suite | null = null;
  for await (const row of rows) {
    const named = nameValues(row.values, shape.columns);
    const name = String(named.subrun_id ?? '');
    if (suite === null || suite.name !== name) {
      if (suite) yield formatSuite(suite);
      suite = openSuite(name, named, index);
    }
    suite.cases.push(formatCase(named, row, suite));
  }
  if (suite) yield formatSuite(suite);
  yield '</testsuites>\n';
}

type Named = Record<string, ExportValue>;

function nameValues(values: ExportValue[], columns: string[]): Named {
  const named: Named = {};
  columns.forEach((c, i) => (named[c] = values[i] ?? null));
  return named;
}

function openSuite(name: string, v: Named, index: Map<string, number>): Suite {
  const properties: [string, string][] = [['run_id', String(v.run_id ?? '')], ['unit', String(v.unit ?? '')]];
  for (const column of index.keys()) {
    if (column.startsWith('margin_') && v[column] !== null) properties.push([column, String(v[column])]);
  }
  const started = v.started_at;
  return { name, cases: [], failures: 0, errors: 0, durationMs: 0, timestamp: typeof started === 'string' ? started : null, properties };
}

function formatCase(v: Named, row: ExportRow, suite: Suite): string {
  const duration = typeof v.duration_ms === 'number' ? v.duration_ms : 0;
  suite.durationMs += duration;
  const index = String(v.step_index ?? '').padStart(2, '0');
  const head = `    <testcase classname="${escapeXml(suite.name)}" name="${escapeXml(`${index} ${String(v.step_id ?? '')}`)}" time="${seconds(duration)}">`;
  const status = String(v.status);
  if (status === 'passed') return `${head}</testcase>\n`;
  const reason = describeReason(v, row);
  if (status === 'failed') {
    suite.failures += 1;
    return `${head}\n      <failure type="failed" message="${escapeXml(reason)}">${escapeXml(reason)}</failure>\n    </testcase>\n`;
  }
  suite.errors += 1;
  return `${head}\n      <error type="${escapeXml(status)}" message="${escapeXml(reason)}">${escapeXml(reason)}</error>\n    </testcase>\n`;
}

function formatSuite(s: Suite): string {
  const props = s.properties.map(([k, v]) => `      <property name="${escapeXml(k)}" value="${escapeXml(v)}"/>\n`).join('');
  return `  <testsuite name="${escapeXml(s.name)}" tests="${s.cases.length}" failures="${s.failures}" errors="${s.errors}" skipped="0" time="${seconds(s.durationMs)}"${s.timestamp ? ` timestamp="${escapeXml(s.timestamp)}"` : ''}>\n`
    + `    <properties>\n${props}    </properties>\n${s.cases.join('')}  </testsuite>\n`;
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

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
