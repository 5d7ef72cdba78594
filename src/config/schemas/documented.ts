// The schemas as editors and users see them: each input schema with a description on every
// property (docs.ts), plus `adapter`, one schema for everything in adapters/ that picks the
// diagnostic or the rail schema by `kind`. Used by `road_runner schema`, by the build step that
// writes schemas/*.json into the package, and by `road_runner init`.
import { propertyDocs } from './docs.js';
import { schemas, type SchemaKind } from './index.js';

// Draft-07: what yaml-language-server (the editors' YAML support) implements; the schemas use
// nothing newer. road_runner itself validates with ajv's 2020-12 mode, which reads them the same.
const DRAFT = 'http://json-schema.org/draft-07/schema#';

type Node = Record<string, unknown>;

/** Every kind that has a schema file: the input kinds and the combined `adapter`. */
export const documentedKinds = ['adapter', ...Object.keys(schemas)] as Array<SchemaKind | 'adapter'>;

/** Calls `visit(path, node, named)` on every sub-schema; `named` is true for an entry of `properties`. */
export function walkProperties(node: unknown, visit: (path: string, node: Node, named: boolean) => void, path = ''): void {
  if (node === null || typeof node !== 'object') return;
  const n = node as Node;
  const props = n.properties as Record<string, Node> | undefined;
  for (const [key, child] of Object.entries(props ?? {})) {
    const p = path ? `${path}.${key}` : key;
    visit(p, child, true);
    walkProperties(child, visit, p);
  }
  if (n.additionalProperties && typeof n.additionalProperties === 'object') {
    visit(`${path}.*`, n.additionalProperties as Node, false);
    walkProperties(n.additionalProperties, visit, `${path}.*`);
  }
  if (n.items && typeof n.items === 'object') walkProperties(n.items, visit, `${path}[]`);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) for (const s of (n[k] as unknown[] | undefined) ?? []) walkProperties(s, visit, path);
}

/** A copy of an input schema with the descriptions of docs.ts filled in where the schema has none. */
function withDescriptions(kind: SchemaKind): Node {
  const copy = structuredClone(schemas[kind]) as unknown as Node; // shared building blocks must not be changed
  const docs = propertyDocs[kind] ?? {};
  walkProperties(copy, (path, node) => {
    if (node.description === undefined && docs[path] !== undefined) node.description = docs[path];
  });
  return copy;
}

const kindDescriptions: Record<SchemaKind, string> = {
  'diag-adapter': 'adapters/<name>.yaml with kind: diag (or no kind): a diagnostic executable, its parameters, and how its result is judged.',
  'rail-adapter': 'adapters/<name>.yaml with kind: rail: an actuator program that sets and reads back one rail.',
  flow: 'flows/<name>.yaml: the ordered diagnostic steps run at every margin point.',
  margin: 'margins/<name>.yaml: which rail values to sweep and how to combine them into margin points.',
  'safety-policy': 'policy/safety.yaml: the site\'s hard electrical and run limits; nothing outside them is ever applied.',
  'hardware-profile': 'policy/profiles/<name>.yaml: limits for one kind of host, selected by matching lscpu and uname.',
  host: 'A host saved by `road_runner detect --save FILE`, to plan for another machine with --host FILE.',
};

/** The schema of `kind` as a standalone JSON Schema document, described throughout. */
export function documentedSchema(kind: SchemaKind | 'adapter'): Node {
  if (kind === 'adapter') {
    const strip = (k: SchemaKind) => {
      const { $id: _id, ...rest } = withDescriptions(k);
      return rest;
    };
    return {
      $schema: DRAFT,
      $id: 'urn:road-runner:adapter',
      title: 'road_runner adapter (diagnostic or rail)',
      description: 'adapters/<name>.yaml: a rail actuator when kind is rail, a diagnostic otherwise. Map this one schema onto adapters/*.yaml.',
      if: { type: 'object', required: ['kind'], properties: { kind: { const: 'rail' } } },
      then: { $ref: '#/definitions/rail-adapter' },
      else: { $ref: '#/definitions/diag-adapter' },
      definitions: { 'diag-adapter': strip('diag-adapter'), 'rail-adapter': strip('rail-adapter') },
    };
  }
  const body = withDescriptions(kind);
  return { $schema: DRAFT, ...body, description: body.description ?? kindDescriptions[kind] };
}

/** Schema file name of a kind, as written into the package's and a workspace's schemas/. */
export function schemaFileName(kind: SchemaKind | 'adapter'): string {
  return `${kind}.json`;
}

/** Editor settings: schema file (relative to the workspace) → the files it validates. */
export const schemaGlobs: Record<string, string[]> = {
  'adapter': ['adapters/*.yaml', 'adapters/*.yml', 'adapters/available/*.yaml', 'adapters/available/*.yml'],
  flow: ['flows/*.yaml', 'flows/*.yml'],
  margin: ['margins/*.yaml', 'margins/*.yml'],
  'safety-policy': ['policy/safety.yaml'],
  'hardware-profile': ['policy/profiles/*.yaml', 'policy/profiles/*.yml'],
};

/**
 * `.vscode/settings.json` content mapping the workspace's schemas/ onto its files (yaml-language-server).
 * The schema store is off: the workspace's own schemas are the only ones that apply to its
 * files, and an editor on a lab host without internet access never waits on a download.
 */
export function editorSettings(): Record<string, unknown> {
  return {
    'yaml.schemas': Object.fromEntries(Object.entries(schemaGlobs).map(([kind, globs]) => [`./schemas/${kind}.json`, globs])),
    'yaml.schemaStore.enable': false,
  };
}
