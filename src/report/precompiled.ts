// Compiled report templates, kept beside the package's own in templates/compiled/, so that the
// end of every run does not lex, parse and compile ~18 KB of Nunjucks source (~0.1 s of a
// cold process). A record is used only for the very source it was compiled from (sha256),
// with the same Nunjucks version and compile options; an edited template, a workspace
// override that differs, or a stale record is compiled from its source as before.
// `npm run build` refreshes the records (dist/report/generateCompiledTemplates.js).

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type nunjucks from 'nunjucks';

/** The compile options that change the compiled code (the lexer's and the compiler's). */
export interface CompileOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  throwOnUndefined: boolean;
}

/** One compiled template as stored in templates/compiled/<name>.json. */
export interface CompiledTemplateRecord {
  format: 'road_runner.compiled-template/1';
  template: string;
  source_sha256: string;
  nunjucks: string;
  options: CompileOptions;
  /** The body of the function Nunjucks builds from a template (it returns the render functions). */
  code: string;
}

/** Where the compiled record of a package template lives. */
export function compiledRecordPath(templatesDir: string, name: string): string {
  return join(templatesDir, 'compiled', `${name}.json`);
}

/** The installed Nunjucks version (compiled code is only valid for it). */
export function readNunjucksVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve('nunjucks/package.json'), 'utf8')) as { version: string }).version;
}

/** sha256 (hex) of a template's source text. */
export function hashTemplateSource(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/** Compiles template source the way Nunjucks does when it loads a template (throws its errors). */
export function compileTemplateCode(lib: typeof nunjucks, name: string, source: string, options: CompileOptions): string {
  // `compiler` is not in @types/nunjucks; it is the module Template uses for the same job.
  const compiler = (lib as unknown as { compiler: { compile: (src: string, asyncFilters: string[], extensions: unknown[], name: string, opts: CompileOptions) => string } }).compiler;
  return compiler.compile(source, [], [], name, options);
}

/** A record for `source` compiled now. */
export function buildCompiledRecord(lib: typeof nunjucks, name: string, source: string, options: CompileOptions, nunjucksVersion: string): CompiledTemplateRecord {
  return {
    format: 'road_runner.compiled-template/1',
    template: name,
    source_sha256: hashTemplateSource(source),
    nunjucks: nunjucksVersion,
    options,
    code: compileTemplateCode(lib, name, source, options),
  };
}

/** Writes a record (the build step does, for each package template). */
export function writeCompiledRecord(templatesDir: string, record: CompiledTemplateRecord): void {
  mkdirSync(join(templatesDir, 'compiled'), { recursive: true });
  writeFileSync(compiledRecordPath(templatesDir, record.template), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The compiled code for exactly this source, Nunjucks version and options, or null (missing,
 * unreadable, or made for something else: then the caller compiles the source).
 */
export function findCompiledCode(templatesDir: string, name: string, source: string, options: CompileOptions, nunjucksVersion: string): string | null {
  let record: Partial<CompiledTemplateRecord>;
  try {
    record = JSON.parse(readFileSync(compiledRecordPath(templatesDir, name), 'utf8')) as Partial<CompiledTemplateRecord>;
  } catch {
    return null;
  }
  const isSame = record.format === 'road_runner.compiled-template/1' && record.template === name
    && record.nunjucks === nunjucksVersion && typeof record.code === 'string'
    && record.options?.trimBlocks === options.trimBlocks && record.options?.lstripBlocks === options.lstripBlocks
    && record.options?.throwOnUndefined === options.throwOnUndefined
    && record.source_sha256 === hashTemplateSource(source);
  return isSame ? (record.code as string) : null;
}
