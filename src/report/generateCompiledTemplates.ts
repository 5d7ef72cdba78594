// Build step (`npm run build` runs it after tsc): compiles the package report templates with
// Nunjucks into templates/compiled/*.json, so a run renders its reports without compiling them.
// Each record carries its source's SHA-256 and the Nunjucks version, and is used only when both
// match (an edited template is compiled from source as before).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { buildCompiledRecord, readNunjucksVersion, writeCompiledRecord } from './precompiled.js';
import { packageTemplatesDir, TEMPLATE_COMPILE_OPTIONS, type ReportTemplate } from './templates.js';

const names: ReportTemplate[] = ['report.md.njk', 'report.html.njk'];
const dir = packageTemplatesDir();
const version = readNunjucksVersion();
for (const name of names) {
  const source = readFileSync(join(dir, name), 'utf8');
  writeCompiledRecord(dir, buildCompiledRecord(nunjucks, name, source, TEMPLATE_COMPILE_OPTIONS, version));
}
console.log(`templates: ${names.length} report templates compiled to templates/compiled/`);
