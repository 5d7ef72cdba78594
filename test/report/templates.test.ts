// Templates: a workspace's templates/ overrides the package's, file by file; a broken
// template stops with exit 2 naming the file and the line.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RrError } from '../../src/errors.js';
import { renderReports } from '../../src/report/render.js';
import { locateTemplate, packageTemplatesDir } from '../../src/report/templates.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun } from './builders.js';

let root: string;
beforeEach(async () => {
  root = await makeWorkspace();
  await writeRun(root, { axes: [{ name: 'vcore_mv', values: [900, 1000] }], subruns: [
    { point: { vcore_mv: 900 }, status: 'failed', steps: [{ status: 'failed', stderr: '<x>' }] },
    { point: { vcore_mv: 1000 }, status: 'passed', steps: [{ status: 'passed' }] },
  ] });
  await mkdir(join(root, 'templates'));
});
afterEach(async () => {
  await removeWorkspace(root);
});

async function expectTemplateError(content: string, line: number): Promise<RrError> {
  const file = join(root, 'templates', 'report.html.njk');
  await writeFile(file, content);
  const err = await renderReports(root, RUN_ID).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RrError);
  expect((err as RrError).exitCode).toBe(2);
  expect((err as RrError).message).toContain(`${file}:${line}`);
  expect((err as RrError).message).toContain('template error');
  return err as RrError;
}

describe('templates', () => {
  test('the package templates are found next to the module', () => {
    expect(locateTemplate(root, 'report.html.njk')).toBe(join(packageTemplatesDir(), 'report.html.njk'));
  });

  test('a workspace template overrides the package one, the other still comes from the package', async () => {
    await writeFile(join(root, 'templates', 'report.md.njk'), 'CUSTOM {{ run.id }} {{ shmoo.cellCount }} {{ failures.items[0].stderr.lines[0] }}\n');
    const r = await renderReports(root, RUN_ID);
    expect(await readFile(r.md, 'utf8')).toBe(`CUSTOM ${RUN_ID} 2 &lt;x&gt;\n`);
    expect(await readFile(r.html, 'utf8')).toContain('class="shmoo-cell');
  });

  test('a syntax error names the file and line', async () => {
    await expectTemplateError('<p>\n{{ run.id }}\n{% if %}\n</p>\n', 3);
  });

  test('a runtime error names the file and line', async () => {
    await expectTemplateError('<p>\n\n{{ run.nothing.deeper() }}\n', 3);
  });

  test('an unknown filter names the file and line', async () => {
    const err = await expectTemplateError('a\nb\n{{ run.id | shout }}\n', 3);
    expect(err.message).toContain('shout');
  });
});
