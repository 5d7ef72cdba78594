// The compiled records of the package templates (templates/compiled/): current for the
// shipped sources, used only for the exact source, and rendering as the source does.
// `npm run build` refreshes them (dist/report/generateCompiledTemplates.js).

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, test } from 'vitest';
import {
  buildCompiledRecord, compileTemplateCode, findCompiledCode, readNunjucksVersion, writeCompiledRecord, type CompiledTemplateRecord,
} from '../../src/report/precompiled.js';
import { describeTemplateError, packageTemplatesDir, TEMPLATE_COMPILE_OPTIONS } from '../../src/report/templates.js';

const names = ['report.md.njk', 'report.html.njk'] as const;
const version = readNunjucksVersion();

describe('compiled package templates', () => {
  test.each(names)('%s has a current record', async (name) => {
    const dir = packageTemplatesDir();
    const source = await readFile(join(dir, name), 'utf8');
    const fresh = buildCompiledRecord(nunjucks, name, source, TEMPLATE_COMPILE_OPTIONS, version);
    const stored = JSON.parse(await readFile(join(dir, 'compiled', `${name}.json`), 'utf8')) as CompiledTemplateRecord;
    expect(stored, `templates/compiled/${name}.json is stale: run npm run build`).toEqual(fresh);
    expect(findCompiledCode(dir, name, source, TEMPLATE_COMPILE_OPTIONS, version)).toBe(fresh.code);
  });

  test('a record is used only for its exact source, Nunjucks version and options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rr-compiled-'));
    try {
      const source = '<p>{{ run.id }}</p>\n{% for x in xs %}\n  {{ x }}\n{% endfor %}\n';
      writeCompiledRecord(dir, buildCompiledRecord(nunjucks, 'report.md.njk', source, TEMPLATE_COMPILE_OPTIONS, version));
      expect(findCompiledCode(dir, 'report.md.njk', source, TEMPLATE_COMPILE_OPTIONS, version)).toEqual(expect.any(String));
      expect(findCompiledCode(dir, 'report.md.njk', `${source} `, TEMPLATE_COMPILE_OPTIONS, version)).toBeNull();
      expect(findCompiledCode(dir, 'report.md.njk', source, TEMPLATE_COMPILE_OPTIONS, '0.0.1')).toBeNull();
      expect(findCompiledCode(dir, 'report.md.njk', source, { ...TEMPLATE_COMPILE_OPTIONS, trimBlocks: false }, version)).toBeNull();
      expect(findCompiledCode(dir, 'report.html.njk', source, TEMPLATE_COMPILE_OPTIONS, version)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('compiled code renders, and fails, exactly as the source does', () => {
    const env = new nunjucks.Environment(null, { autoescape: true, ...TEMPLATE_COMPILE_OPTIONS });
    const file = '/ws/templates/report.html.njk';
    const render = (source: string, asCode: boolean): string => {
      const src = asCode ? { type: 'code', obj: new Function(compileTemplateCode(nunjucks, 'report.html.njk', source, TEMPLATE_COMPILE_OPTIONS))() as object } : source;
      try {
        return new nunjucks.Template(src as unknown as string, env, file).render({ run: { id: '<rr>' }, xs: [1, 2] });
      } catch (err) {
        return `ERROR ${describeTemplateError(file, (err as Error).message).message}`;
      }
    };
    const good = '<p>{{ run.id }}</p>\n{% for x in xs %}\n  {{ x }}\n{% endfor %}\n';
    expect(render(good, true)).toBe(render(good, false));
    expect(render(good, true)).toBe('<p>&lt;rr&gt;</p>\n  1\n  2\n');
    const broken = '<p>\n\n{{ run.nothing.deeper() }}\n';
    expect(render(broken, true)).toBe(render(broken, false));
    expect(render(broken, true)).toContain(`${file}:3`);
  });
});
