// Run folders with missing or damaged records: what can be reported is, and what is missing
// is named (a problem makes `report` exit 2; a missing sysinfo.json is only a warning).

import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RrError, UsageError } from '../../src/errors.js';
import { renderReports } from '../../src/report/render.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun, type RunSpec } from './builders.js';

let root: string;
let subrunDirs: string[];
let dir: string;
const spec: RunSpec = {
  axes: [{ name: 'vcore_mv', values: [900, 1000] }],
  subruns: [
    { point: { vcore_mv: 900 }, status: 'failed', steps: [{ status: 'failed' }, { status: 'passed' }] },
    { point: { vcore_mv: 1000 }, status: 'passed', steps: [{ status: 'passed' }, { status: 'passed' }] },
  ],
};

beforeEach(async () => {
  root = await makeWorkspace();
  ({ dir, subrunDirs } = await writeRun(root, spec));
});
afterEach(async () => {
  await removeWorkspace(root);
});

describe('damaged or incomplete runs', () => {
  test('no sysinfo.json: a report without host details and a warning', async () => {
    await rm(join(dir, 'sysinfo.json'));
    const r = await renderReports(root, RUN_ID);
    expect(r.problems).toEqual([]);
    expect(r.warnings.join('\n')).toContain('sysinfo.json is missing');
    expect(await readFile(r.html, 'utf8')).toContain('No sysinfo.json in this run.');
  });

  test('a torn last line in steps.ldjson is skipped with a warning', async () => {
    await appendFile(join(subrunDirs[1]!, 'steps.ldjson'), '{"ts":"2024-01-31T12:09:00Z","event":"step_start","run_id":"');
    const r = await renderReports(root, RUN_ID);
    expect(r.problems).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/torn last line/);
    expect(await readFile(r.md, 'utf8')).toContain('| `rr-20240131T120000Z-a1b2c3-s01` | 1 | step1 |');
  });

  test('a corrupt middle line is a problem; the events before it are still reported', async () => {
    const file = join(subrunDirs[1]!, 'steps.ldjson');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.splice(2, 0, '{not json');
    await writeFile(file, lines.join('\n'));
    const r = await renderReports(root, RUN_ID);
    expect(r.problems.join('\n')).toMatch(/s01\/steps\.ldjson:3: corrupt event line/);
    const md = await readFile(r.md, 'utf8');
    expect(md).toContain('Incomplete run records');
    expect(md).toContain('| `rr-20240131T120000Z-a1b2c3-s00` | 1 | step1 |');
    expect(md).toContain('| `rr-20240131T120000Z-a1b2c3-s01` | 0 | step0 |');
    expect(md).not.toContain('| `rr-20240131T120000Z-a1b2c3-s01` | 1 |');
  });

  test('a damaged summary.json is a problem naming file, line and the fix; the plan still gives the shmoo', async () => {
    await writeFile(join(dir, 'summary.json'), '{\n  "run_id": "x",\n  "status": \n');
    const r = await renderReports(root, RUN_ID);
    expect(r.problems.join('\n')).toMatch(/summary of run .* is not valid JSON: .*summary\.json:\d+:\d+.*recover/);
    const html = await readFile(r.html, 'utf8');
    expect(html.match(/class="shmoo-cell /g)?.length).toBe(2);
    expect(html).toContain('data-outcome="failed"');
  });

  test('neither summary nor plan: exit 2, nothing to report', async () => {
    await rm(join(dir, 'summary.json'));
    await rm(join(dir, 'plan.json'));
    const err = await renderReports(root, RUN_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RrError);
    expect((err as RrError).exitCode).toBe(2);
    expect((err as RrError).message).toMatch(/nothing to report.*summary.*not found.*plan.*not found/s);
  });

  test('steps.ldjson missing although steps ran is a problem', async () => {
    for (const d of subrunDirs) await rm(join(d, 'steps.ldjson'));
    const r = await renderReports(root, RUN_ID);
    expect(r.problems.join('\n')).toMatch(/event logs \(steps\.ldjson\) of .* are missing/);
  });

  test('unknown and malformed run ids exit 2 before touching anything', async () => {
    const unknown = await renderReports(root, 'rr-20990101T000000Z-ffffff').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UsageError);
    expect((unknown as UsageError).message).toMatch(/run rr-20990101T000000Z-ffffff not found/);
    expect((unknown as UsageError).hint).toContain(RUN_ID);
    const malformed = await renderReports(root, '../../etc').catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(UsageError);
    expect((malformed as UsageError).exitCode).toBe(2);
    expect((malformed as UsageError).message).toContain('is not a run id');
  });
});
