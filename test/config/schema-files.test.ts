// The JSON Schemas as users get them (schemas/*.json in the package, `road_runner schema KIND`,
// the files `init` writes): described on every property, valid JSON Schema with $id and
// title, and, mapped onto the workspace's files the way the editor settings map them, free
// of false errors: the one adapter schema accepts the diagnostic and the rail manifests.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { propertyDocs } from '../../src/config/schemas/docs.js';
import { documentedKinds, documentedSchema, editorSettings, schemaGlobs, walkProperties } from '../../src/config/schemas/documented.js';
import { schemaKinds } from '../../src/config/schemas/index.js';
import { cliPath, repoRoot, runCli } from '../cli/helpers.js';

type Node = Record<string, unknown>;

/** Every named property of a document: [path, node] (inside definitions too). */
function namedProperties(doc: Node): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  const roots: Array<[string, unknown]> = doc.definitions ? Object.entries(doc.definitions as Node).map(([k, v]) => [`definitions/${k}:`, v]) : [['', doc]];
  for (const [prefix, root] of roots) walkProperties(root, (p, node, named) => { if (named) out.push([`${prefix}${p}`, node]); });
  return out;
}

/** Draft-07, as the files declare and yaml-language-server implements. */
function newAjv(): Ajv {
  return new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
}

/** The files of the repository's sample workspace a glob of the editor settings names. */
function filesFor(glob: string): string[] {
  const dir = path.join(repoRoot, path.dirname(glob));
  const base = path.basename(glob);
  if (!base.includes('*')) return [path.join(repoRoot, glob)];
  const ext = base.slice(base.indexOf('*') + 1);
  return readdirSync(dir).filter((n) => n.endsWith(ext)).map((n) => path.join(dir, n));
}

describe('schema documents', () => {
  test.each(documentedKinds)('%s: every property has a description, and the document has $id, title and description', (kind) => {
    const doc = documentedSchema(kind);
    expect(doc.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(doc.$id).toMatch(/^urn:road-runner:/);
    expect(doc.title).toMatch(/^road_runner /);
    expect(String(doc.description ?? '').length).toBeGreaterThan(20);
    const props = namedProperties(doc);
    expect(props.length).toBeGreaterThan(1);
    const undocumented = props.filter(([, node]) => typeof node.description !== 'string' || node.description.trim().length < 8).map(([p]) => p);
    expect(undocumented).toEqual([]);
  });

  test('every entry of docs.ts names a property or map of its schema (no stale text)', () => {
    const stale: string[] = [];
    for (const kind of schemaKinds) {
      const paths = new Set<string>();
      walkProperties(documentedSchema(kind), (p) => paths.add(p));
      for (const key of Object.keys(propertyDocs[kind] ?? {})) if (!paths.has(key)) stale.push(`${kind}: ${key}`);
    }
    expect(Object.keys(propertyDocs).sort()).toEqual([...schemaKinds].sort());
    expect(stale).toEqual([]);
  });

  test('the walk finds a missing description (the check above can fail)', () => {
    const doc = { properties: { a: { type: 'string', description: 'documented here' }, b: { type: 'object', properties: { c: { type: 'number' } } } } };
    const missing = namedProperties(doc).filter(([, n]) => typeof n.description !== 'string').map(([p]) => p);
    expect(missing).toEqual(['b', 'b.c']);
  });

  test('every document compiles in strict ajv, with distinct $ids', () => {
    const ajv = newAjv();
    for (const kind of documentedKinds) ajv.compile(documentedSchema(kind));
    expect(new Set(documentedKinds.map((k) => documentedSchema(k).$id)).size).toBe(documentedKinds.length);
  });

  test('the build wrote each document as schemas/<kind>.json, and `road_runner schema KIND` prints the same', async () => {
    const files = readdirSync(path.join(repoRoot, 'schemas')).filter((n) => n.endsWith('.json')).sort();
    expect(files).toEqual(documentedKinds.map((k) => `${k}.json`).sort());
    for (const kind of documentedKinds) {
      expect(JSON.parse(readFileSync(path.join(repoRoot, 'schemas', `${kind}.json`), 'utf8'))).toEqual(documentedSchema(kind));
    }
    expect(cliPath).toMatch(/main\.js$/);
    for (const kind of ['adapter', 'flow', 'rail-adapter']) {
      const r = await runCli(['schema', kind]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(documentedSchema(kind as 'flow'));
    }
    const bad = await runCli(['schema', 'adaptor']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('adapter');
  }, 60_000);
});

describe('editor mapping (.vscode/settings.json yaml.schemas)', () => {
  test('maps a schema file onto every input folder of a workspace', () => {
    const mapping = editorSettings()['yaml.schemas'] as Record<string, string[]>;
    const globs = Object.values(mapping).flat();
    for (const folder of ['adapters/', 'flows/', 'margins/', 'policy/safety.yaml', 'policy/profiles/']) {
      expect(globs.some((g) => g.startsWith(folder)), folder).toBe(true);
    }
    for (const file of Object.keys(mapping)) expect(documentedKinds.map((k) => `./schemas/${k}.json`)).toContain(file);
  });

  test.each(Object.entries(schemaGlobs))('%s: every sample file its globs name validates without a false error', (kind, globs) => {
    const validate = newAjv().compile(documentedSchema(kind as 'flow'));
    const files = globs.flatMap(filesFor);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const ok = validate(parse(readFileSync(file, 'utf8')));
      expect(ok ? [] : validate.errors, path.relative(repoRoot, file)).toEqual([]);
    }
  });

  test('the adapter schema picks the rail schema by kind: rail files pass, a diagnostic key in one is an error', () => {
    const validate = newAjv().compile(documentedSchema('adapter'));
    const rail = parse(readFileSync(path.join(repoRoot, 'adapters/vcore.yaml'), 'utf8'));
    const diag = parse(readFileSync(path.join(repoRoot, 'adapters/cpu-smoke.yaml'), 'utf8'));
    expect(rail.kind).toBe('rail');
    expect(validate(rail)).toBe(true);
    expect(validate(diag)).toBe(true);
    expect(validate({ ...rail, params: {} })).toBe(false);
    expect(validate.errors!.some((e) => e.schemaPath.startsWith('#/definitions/rail-adapter') && e.params.additionalProperty === 'params')).toBe(true);
    expect(validate({ ...diag, tolerance: 2 })).toBe(false);
    expect(validate.errors!.some((e) => e.schemaPath.startsWith('#/definitions/diag-adapter') && e.params.additionalProperty === 'tolerance')).toBe(true);
  });
});
