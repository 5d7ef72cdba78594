// Exports of a run with failures, timeouts, errors and metrics: CSV (parsed back with a small
// RFC 4180 reader), a JSON array, and JUnit XML with failures and errors where CI expects them.

import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { exportRun, type ExportFormat } from '../../src/report/export.js';
import { escapeXml } from '../../src/report/junitWriter.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun } from './builders.js';

let root: string;
let dir: string;
let subrunDirs: string[];

beforeEach(async () => {
  root = await makeWorkspace();
  ({ dir, subrunDirs } = await writeRun(root, {
    unit: 'SN "7", rack 3',
    axes: [{ name: 'vcore_mv', values: [900, 1000] }],
    subruns: [
      { point: { vcore_mv: 900 }, status: 'failed', steps: [
        { status: 'failed', step_id: 'cpu', params: { pattern: 'walk', iterations: 10 }, metrics: { gflops: 1.25, note: 'a,b "c"\nnext' }, error: 'MISCOMPARE <at> 0x10 & more' },
        { status: 'timeout', step_id: 'mem', adapter: 'mem-test', params: { size_mb: 64, verify: true } },
      ] },
      { point: { vcore_mv: 1000 }, status: 'failed', steps: [
        { status: 'passed', step_id: 'cpu', params: { pattern: 'random', iterations: 10 }, metrics: { gflops: 2.5, errors: 0 } },
        { status: 'error', step_id: 'mem', adapter: 'mem-test', params: { size_mb: 64, verify: false }, exit_code: null, error: 'spawn ENOENT', stderr: 'line 1\n<oops> & "quoted"\n' },
      ] },
    ],
  }));
});
afterEach(async () => {
  await removeWorkspace(root);
});

async function exportText(format: ExportFormat): Promise<{ text: string; warnings: string[] }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await exportRun(root, RUN_ID, format, out);
  out.end();
  return { text: Buffer.concat(chunks).toString('utf8'), warnings: result.warnings };
}

// A minimal RFC 4180 reader: quoted fields may hold commas, quotes ("") and newlines.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

const COLUMNS = ['run_id', 'subrun_id', 'unit', 'step_index', 'step_id', 'adapter', 'status', 'exit_code', 'duration_ms', 'started_at', 'ended_at',
  'seed', 'error', 'stdout_log', 'stderr_log', 'margin_vcore_mv', 'param_iterations', 'param_pattern', 'param_size_mb', 'param_verify', 'metric_errors', 'metric_gflops', 'metric_note',
  'subrun_status', 'health_ce_delta', 'health_ue_delta', 'marginal'];

describe('export', () => {
  test('csv: fixed column order, one row per step, quoting survives commas, quotes and newlines', async () => {
    const { text } = await exportText('csv');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(COLUMNS);
    expect(rows).toHaveLength(5);
    const first = Object.fromEntries(COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(first).toMatchObject({
      run_id: RUN_ID, subrun_id: `${RUN_ID}-s00`, unit: 'SN "7", rack 3', step_index: '0', step_id: 'cpu', status: 'failed',
      exit_code: '1', duration_ms: '1000', seed: '7', error: 'MISCOMPARE <at> 0x10 & more',
      stdout_log: `subruns/${RUN_ID}-s00/stdout/00_cpu.log`, stderr_log: `subruns/${RUN_ID}-s00/stderr/00_cpu.log`, margin_vcore_mv: '901', param_pattern: 'walk', param_size_mb: '', metric_gflops: '1.25', metric_note: 'a,b "c"\nnext',
    });
    expect(text).toContain('"SN ""7"", rack 3"');
    const byStep = rows.slice(1).map((r) => `${r[6]}:${r[7]}:${r[COLUMNS.indexOf('param_verify')]}`);
    expect(byStep).toEqual(['failed:1:', 'timeout::true', 'passed:0:', 'error::false']);
  });

  test('json: an array of objects with every column in order, null where a step has no value', async () => {
    const { text } = await exportText('json');
    const rows = JSON.parse(text) as Record<string, unknown>[];
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(Object.keys(row)).toEqual(COLUMNS);
    expect(rows[1]).toMatchObject({ status: 'timeout', exit_code: null, param_verify: true, param_pattern: null, metric_gflops: null });
    expect(rows[2]).toMatchObject({ status: 'passed', metric_gflops: 2.5, metric_errors: 0, margin_vcore_mv: 1001 });
  });

  test('csv: a cell a spreadsheet would run as a formula is neutralised', async () => {
    const { writeRun: write } = await import('./builders.js');
    await write(root, { runId: 'rr-20240131T120000Z-ffffff', axes: [], subruns: [{ point: {}, status: 'failed', steps: [{ status: 'failed', error: '=HYPERLINK("x")', metrics: { note: '@cmd', delta: -3 } }] }] });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    await exportRun(root, 'rr-20240131T120000Z-ffffff', 'csv', out);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text).toContain(`'@cmd`);
    expect(text).toMatch(/,-3(,|\n)/);
  });

  test('junit: a testsuite per sub-run named by its point, failure for failed, error for timeout and error, escaped', async () => {
    const { text } = await exportText('junit');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(text).toMatch(/<testsuites name="road_runner sample_flow" tests="4" failures="1" errors="2" skipped="0"/);
    expect(text.match(/<testsuite /g)).toHaveLength(2);
    expect(text.match(/<testcase /g)).toHaveLength(4);
    expect(text).toMatch(/<testsuite name="sample_flow.vcore_mv=900" tests="2" failures="1" errors="1" skipped="0"/);
    expect(text).toContain('<testcase classname="sample_flow.cpu.vcore_mv=900" name="00_cpu"');
    expect(text).toContain('<testcase classname="sample_flow.mem.vcore_mv=1000" name="01_mem"');
    expect(text).toContain(`<property name="subrun_id" value="${RUN_ID}-s00"/>`);
    // The stderr tail, escaped, in the case's system-out.
    expect(text).toContain('<system-out>line 1\n&lt;oops&gt; &amp; &quot;quoted&quot;</system-out>');
    expect(text).toMatch(/<failure type="failed" message="failed \(adapter cpu-smoke, exit code 1, 1000 ms\): MISCOMPARE &lt;at&gt; 0x10 &amp; more">/);
    expect(text).toMatch(/<error type="timeout" message="timeout \(adapter mem-test, signal SIGKILL, 1000 ms\): timed out after 1 s">/);
    expect(text).toMatch(/<error type="error" message="error \(adapter mem-test, 1000 ms\): spawn ENOENT">/);
    expect(text).not.toMatch(/<at>/);
    expect(text.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  test('XML escaping drops characters XML cannot hold', () => {
    expect(escapeXml('a\u0000b\u001bc<&>"\'')).toBe('a\uFFFDb\uFFFDc&lt;&amp;&gt;&quot;&apos;');
  });

  test('a torn last line is skipped with a warning', async () => {
    await appendFile(join(subrunDirs[1]!, 'steps.ldjson'), '{"ts":"x","event":"step_end","subrun_');
    const { text, warnings } = await exportText('json');
    expect(JSON.parse(text)).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/torn last line/);
  });

  test('unknown and malformed run ids exit 2 and nothing is written', async () => {
    for (const id of ['rr-20990101T000000Z-ffffff', '../../etc']) {
      const out = new PassThrough();
      let written = '';
      out.on('data', (c: Buffer) => (written += c.toString()));
      const err = await exportRun(root, id, 'csv', out).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect(written).toBe('');
    }
  });

  test('a missing summary.json exits 2 naming it', async () => {
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'summary.json'));
    const err = await exportRun(root, RUN_ID, 'csv', new PassThrough()).catch((e: unknown) => e);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toMatch(/summary of run .* not found/);
    expect(await readFile(join(subrunDirs[0]!, 'steps.ldjson'), 'utf8')).not.toBe('');
  });
});
