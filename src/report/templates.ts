// Renders the report templates with Nunjucks (imported only when rendering: start-up stays
// fast). A workspace's `templates/report.*.njk` overrides the package's own, file by file.
// Autoescape is on: whatever a diagnostic printed reaches the page as text, never as markup.
// A template whose compiled record ships in templates/compiled/ (precompiled.ts) is not
// compiled again; any other source is compiled by Nunjucks as it loads it.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, RrError } from '../errors.js';
import { INPUT_LIMIT_BYTES, readInputFile } from '../records/inputFile.js';
import { findCompiledCode, readNunjucksVersion, type CompileOptions } from './precompiled.js';

/** The options the report templates are compiled with. */
export const TEMPLATE_COMPILE_OPTIONS: CompileOptions = { trimBlocks: true, lstripBlocks: true, throwOnUndefined: false };

/** The report templates a workspace may override. */
export type ReportTemplate = 'report.md.njk' | 'report.html.njk';

/** The package's own templates folder (next to dist/ and src/). */
export function packageTemplatesDir(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

/** The file a template name resolves to: the workspace's, else the package's. */
export function locateTemplate(root: string, name: ReportTemplate): string {
  const own = join(resolve(root), 'templates', name);
  return existsSync(own) ? own : join(packageTemplatesDir(), name);
}

/** Loads Nunjucks (a run does it before its first step, so that nothing is compiled during one). */
export async function loadTemplateEngine(): Promise<typeof import('nunjucks')> {
  return (await import('nunjucks')).default;
}

/** Renders one report template; a template error throws RrError (exit 2) naming file and line. */
export async function renderTemplate(root: string, name: ReportTemplate, context: object): Promise<string> {
  const nunjucks = await loadTemplateEngine();
  const file = locateTemplate(root, name);
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([join(resolve(root), 'templates'), packageTemplatesDir()], { noCache: true }), {
    autoescape: true,
    ...TEMPLATE_COMPILE_OPTIONS,
  });
  env.addFilter('mdcell', (value: unknown) => String(value ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|'));
  env.addFilter('pad', (value: unknown, width: number) => String(value ?? '').padEnd(width));
  // Read here, under the input rules (a regular UTF-8 file of at most 10 MiB; a symlink only
  // inside the workspace), rather than by Nunjucks' loader, which reads whatever it is given.
  const read = readInputFile(file, { limitBytes: INPUT_LIMIT_BYTES, linksWithin: file.startsWith(packageTemplatesDir()) ? undefined : resolve(root) });
  if (read.problem) {
    const where = read.problem.line === undefined ? file : `${file}:${read.problem.line}:${read.problem.col ?? 1}`;
    throw new RrError(`${where}: template ${read.problem.message}`, ExitCode.usage, read.problem.hint);
  }
  const source = read.file.text;
  try {
    const code = findCompiledCode(packageTemplatesDir(), name, source, TEMPLATE_COMPILE_OPTIONS, readNunjucksVersion());
    if (code === null) return new nunjucks.Template(source, env, file).render(context);
    // What Nunjucks does with code it has just compiled; the path names the file in errors.
    const compiled = { type: 'code', obj: new Function(code)() as object };
    return new nunjucks.Template(compiled as unknown as string, env, file).render(context);
  } catch (err) {
    throw describeTemplateError(file, (err as Error).message ?? String(err));
  }
}

/** Turns a Nunjucks error message into an RrError `file:line:col: …` (exit 2). */
export function describeTemplateError(file: string, message: string): RrError {
  const at = /^\(([^)]*)\)(?: \[Line (\d+), Column (\d+)\])?\s*\n?\s*([\s\S]*)$/.exec(message);
  const where = at?.[1] && at[1] !== 'unknown path' ? at[1] : file;
  let body = (at?.[4] ?? message).trim();
  const runtime = body.startsWith('Error: ');
  if (runtime) body = body.slice('Error: '.length);
  let line: number | undefined;
  let col: number | undefined;
  if (at?.[2] !== undefined) {
    // Parse errors count lines from 1, runtime errors from 0.
    line = Number(at[2]) + (runtime ? 1 : 0);
    col = Number(at[3]) + (runtime ? 1 : 0);
  } else {
    line = findLineOf(where, body) ?? (runtime ? 1 : undefined);
  }
  const position = line === undefined ? where : `${where}:${line}${col === undefined ? '' : `:${col}`}`;
  const own = !where.startsWith(packageTemplatesDir());
  return new RrError(`${position}: template error: ${body}`, ExitCode.usage,
    own ? `fix the template, or remove it to fall back to road_runner's own ${where.split('/').pop() ?? 'template'}`
      : 'this is a bug in road_runner\'s own template; please report it');
}

// Errors Nunjucks gives without a line (an unknown filter): find the name in the file.
function findLineOf(file: string, body: string): number | undefined {
  const filter = /filter not found: (\S+)/.exec(body)?.[1];
  if (!filter) return undefined;
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const pattern = new RegExp(`\\|\\s*${filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
    const index = lines.findIndex((l) => pattern.test(l));
    return index === -1 ? undefined : index + 1;
  } catch {
    return undefined;
  }
}
