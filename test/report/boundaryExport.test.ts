// `export --format boundary`: boundary.json as CSV, one row per column (read back with
// csv-parse-free splitting, the values are plain numbers), through exportRun and through the
// built CLI; a run without boundary.json, or with a damaged one, is refused with exit 2.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RrError } from '../../src/errors.js';
import { exportRun } from '../../src/report/export.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun } from './builders.js';
import { part64x16, writeSearchRun } from './searchFixture.js';

const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const cli = join(repoRoot, 'dist/cli/main.js');

let root: string;
beforeEach(async () => {
  root = await makeWorkspace();
});
afterEach(async () => {
  await removeWorkspace(root);
});

async function exportText(runId: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportRun(root, runId, 'boundary', out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe('export --format boundary', () => {
  test('one row per column with its axes, boundary values, probes, flaky and holes', async () => {
    const { runId, boundary } = await writeSearchRun(root, part64x16({ freqs: [1600, 2000, 2400] }));
    // A hole in one column, to see the list joined.
    boundary.columns[1]!.holes = [800, 805];
    await writeFile(join(root, 'runs', runId, 'boundary.json'), JSON.stringify(boundary));
    const lines = (await exportText(runId)).trimEnd().split('\n');
    expect(lines[0]).toBe('run_id,rail,direction,strategy,axis_freq_mhz,raw,confirmed,guard_banded,last_pass,first_fail,probes,flaky,holes');
    expect(lines).toHaveLength(4);
    boundary.columns.forEach((c, i) => {
      const cells = lines[i + 1]!.split(',');
      expect(cells.slice(0, 5)).toEqual([runId, 'vcore_mv', 'down', 'binary', String(c.axes.freq_mhz)]);
      expect(cells.slice(5, 11).map((x) => (x === '' ? null : Number(x)))).toEqual([c.raw, c.confirmed, c.guard_banded, c.last_pass, c.first_fail, c.probes]);
      expect(cells[11]).toBe(c.flaky.join(';'));
      expect(cells[12]).toBe(c.holes.join(';'));
    });
    expect(lines[2]!.endsWith(',800;805')).toBe(true);
    // The guard band moves the reported value to the safe side.
    expect(boundary.columns.every((c) => c.guard_banded === null || c.guard_banded === c.confirmed! + 20)).toBe(true);
  });

  test('a column that never passed exports empty boundary cells, not 0', async () => {
    const { runId, boundary } = await writeSearchRun(root, part64x16({ freqs: [1600], vmin: () => 2000 }));
    expect(boundary.columns[0]!.confirmed).toBeNull();
    const row = (await exportText(runId)).split('\n')[1]!.split(',');
    expect(row.slice(5, 10)).toEqual(['', '', '', '', '1015']);
  });

  test('no boundary.json: exit 2 naming the run and why', async () => {
    await writeRun(root, { axes: [{ name: 'vcore_mv', values: [900, 1000] }], subruns: [{ point: { vcore_mv: 900 }, status: 'passed', steps: [{ status: 'passed' }] }] });
    const err = await exportRun(root, RUN_ID, 'boundary', new PassThrough()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RrError);
    expect((err as RrError).exitCode).toBe(2);
    expect((err as RrError).message).toContain(`run ${RUN_ID} has no boundary`);
    expect((err as RrError).message).toContain('boundary.json does not exist');
  });

  test('a damaged boundary.json: exit 2 naming the file and the field', async () => {
    const { runId, dir } = await writeSearchRun(root, part64x16({ freqs: [1600] }));
    await writeFile(join(dir, 'boundary.json'), JSON.stringify({ rail: 'vcore_mv', direction: 'sideways', columns: [] }));
    const err = await exportRun(root, runId, 'boundary', new PassThrough()).catch((e: unknown) => e) as RrError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/boundary\.json: "direction" must be "down" or "up", got "sideways"/);
  });

  test.runIf(existsSync(cli))('the built CLI writes runs/<ID>/export.boundary.csv, and refuses a run without a boundary (exit 2)', async () => {
    const { runId, boundary } = await writeSearchRun(root, part64x16({ freqs: [1600, 1700] }));
    const ok = spawnSync(process.execPath, [cli, '--root', root, 'export', runId, '--format', 'boundary'], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('wrote 2 rows');
    const csv = await readFile(join(root, 'runs', runId, 'export.boundary.csv'), 'utf8');
    expect(csv.split('\n')[1]).toContain(`,${boundary.columns[0]!.confirmed},`);
    const other = await writeRun(root, { runId: 'rr-20240131T140000Z-00aa11', axes: [], subruns: [{ point: {}, status: 'passed', steps: [{ status: 'passed' }] }] });
    const refused = spawnSync(process.execPath, [cli, '--root', root, 'export', other.runId, '--format', 'boundary'], { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('has no boundary');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
