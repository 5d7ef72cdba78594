// Issue 11, "Editor": what an editor shows for a workspace `road_runner init` wrote. The real
// yaml-language-server (the server behind VS Code's YAML extension) runs as a child process and
// is spoken to over stdio as an editor would: the workspace as root, the `yaml.*` settings of the
// .vscode/settings.json init wrote, every sample input opened. Nothing is fetched from the
// network: the settings turn the schema store off and every schema is a local file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { propertyDocs } from '../../src/config/schemas/docs.js';
import { removeDir, runCli } from '../cli/helpers.js';

/** How long one answer of the server may take before the test fails saying what it waited for. */
const WAIT_MS = 20_000;

interface Diagnostic {
  range: { start: { line: number; character: number } };
  severity?: number;
  message: string;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'rr-editor-'));
const ws = path.join(tmp, 'ws');
const uriOf = (rel: string) => pathToFileURL(path.join(ws, rel)).href;

let server: ChildProcessWithoutNullStreams | undefined;
let conn: MessageConnection | undefined;
let stderr = '';
const logs: string[] = [];
/** Who waits for the next publishDiagnostics of a document: uri → resolvers. */
const waiters = new Map<string, Array<(d: Diagnostic[]) => void>>();
let settings: Record<string, unknown> = {};

/** Rejects when the server process ends; raced with every wait so a crash fails at once. */
let exited: Promise<never> = new Promise<never>(() => undefined);

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`yaml-language-server: no ${what} within ${WAIT_MS} ms\nserver log:\n${logs.slice(-20).join('\n')}\nstderr:\n${stderr.slice(-2000)}`));
    }, WAIT_MS);
    exited.catch((e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))));
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/** VS Code's view of the dotted settings of one section: {"yaml.a.b": 1} → yaml → {a: {b: 1}}. */
function section(name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!key.startsWith(`${name}.`)) continue;
    const parts = key.slice(name.length + 1).split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1) as string] = value;
  }
  return out;
}

function client(): MessageConnection {
  if (!conn) throw new Error('yaml-language-server is not running (beforeAll failed)');
  return conn;
}

/** Opens a document (as the editor does when a file is shown) and resolves with its first diagnostics. */
function open(rel: string, text: string): Promise<Diagnostic[]> {
  const uri = uriOf(rel);
  opened.add(rel);
  const next = new Promise<Diagnostic[]>((resolve) => waiters.set(uri, [...(waiters.get(uri) ?? []), resolve]));
  void client().sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  return withTimeout(next, `diagnostics for ${rel}`);
}

const opened = new Set<string>();

/** Opens a workspace file unless open already (each test can run alone). */
async function ensureOpen(rel: string): Promise<string> {
  const text = readFileSync(path.join(ws, rel), 'utf8');
  if (!opened.has(rel)) await open(rel, text);
  return text;
}

async function schemasOf(rel: string): Promise<string[]> {
  const found = await withTimeout(client().sendRequest<Array<{ uri: string }>>('yaml/get/jsonSchema', uriOf(rel)), `schema of ${rel}`);
  return found.map((s) => s.uri);
}

async function hover(rel: string, line: number, character: number): Promise<string> {
  const h = await withTimeout(
    client().sendRequest<{ contents: { value: string } | string } | null>('textDocument/hover', { textDocument: { uri: uriOf(rel) }, position: { line, character } }),
    `hover in ${rel} at ${line + 1}:${character + 1}`,
  );
  if (h === null) return '';
  return typeof h.contents === 'string' ? h.contents : h.contents.value;
}

/** Line (0-based) and column of the first line of `text` starting with `prefix` after indentation. */
function lineOf(text: string, prefix: string): { line: number; character: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.trimStart().startsWith(prefix));
  const found = lines[line];
  if (found === undefined) throw new Error(`no line starting with ${prefix}`);
  return { line, character: found.length - found.trimStart().length };
}

/** The description docs.ts gives a property of a kind (the text the schema files carry). */
function doc(kind: string, property: string): string {
  const text = propertyDocs[kind]?.[property];
  if (text === undefined) throw new Error(`docs.ts has no description of ${kind} ${property}`);
  return text;
}

/** Markdown as text: the hover escapes characters Markdown would read. */
const unescape = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|])/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** Every YAML file init wrote, relative to the workspace (runs/ and templates/ hold none). */
function yamlFiles(rel = ''): string[] {
  return readdirSync(path.join(ws, rel), { withFileTypes: true }).flatMap((d) => {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) return yamlFiles(r);
    return /\.ya?ml$/.test(d.name) ? [r] : [];
  }).sort();
}

/** The schema file each input must get, by where it lies (independent of the settings' globs). */
function expectedSchema(rel: string): string {
  if (rel.startsWith('adapters/')) return 'adapter.json';
  if (rel.startsWith('flows/')) return 'flow.json';
  if (rel.startsWith('margins/')) return 'margin.json';
  if (rel === 'policy/safety.yaml') return 'safety-policy.json';
  if (rel.startsWith('policy/profiles/')) return 'hardware-profile.json';
  throw new Error(`init wrote ${rel}, which no input kind covers`);
}

beforeAll(async () => {
  const r = await runCli(['init', ws], { cwd: tmp });
  if (r.code !== 0) throw new Error(`road_runner init failed (${r.code}): ${r.stderr}`);
  settings = JSON.parse(readFileSync(path.join(ws, '.vscode/settings.json'), 'utf8')) as Record<string, unknown>;

  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('yaml-language-server/package.json')), 'bin/yaml-language-server');
  const proc = spawn(process.execPath, [bin, '--stdio'], { cwd: ws, stdio: ['pipe', 'pipe', 'pipe'] });
  server = proc;
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  exited = new Promise<never>((_, reject) => proc.on('exit', (code, signal) => reject(new Error(`yaml-language-server exited (${signal ?? code}): ${stderr.slice(-2000)}`))));
  exited.catch(() => undefined); // reported by the wait it ends

  const c = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn = c;
  // What VS Code answers: the settings of each section asked for (settings.json holds only yaml.*).
  c.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) => params.items.map((item) => (item.section ? section(item.section) : {})));
  c.onRequest('client/registerCapability', () => null);
  c.onRequest('window/workDoneProgress/create', () => null);
  c.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  c.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
    const queue = waiters.get(p.uri) ?? [];
    waiters.delete(p.uri);
    for (const resolve of queue) resolve(p.diagnostics);
  });
  // Sent once the server has applied a configuration (schemas configured, documents revalidated).
  const settingsApplied = new Promise<void>((resolve) => c.onNotification('yaml/schema/store/initialized', () => resolve()));
  c.listen();

  const wsUri = pathToFileURL(ws).href;
  await withTimeout(
    c.sendRequest('initialize', {
      processId: process.pid,
      rootUri: wsUri,
      workspaceFolders: [{ uri: wsUri, name: path.basename(ws) }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {}, synchronization: {} },
      },
    }),
    'answer to initialize',
  );
  await c.sendNotification('initialized', {});
  await c.sendNotification('yaml/supportSchemaSelection'); // as VS Code's YAML extension does: asks for schemaStoreInitialized
  await c.sendNotification('workspace/didChangeConfiguration', { settings: { yaml: section('yaml') } });
  await withTimeout(settingsApplied, 'configuration applied (yaml/schema/store/initialized)');
}, 60_000);

afterAll(async () => {
  const proc = server;
  if (conn && proc && proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await conn.sendNotification('exit');
    } catch {
      // killed below
    }
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
  conn?.dispose();
  removeDir(tmp);
});

describe('the real yaml-language-server on a workspace init wrote', { timeout: 60_000 }, () => {
  test('the settings init wrote keep the server offline: no schema store, only the local schema files', async () => {
    expect(settings['yaml.schemaStore.enable']).toBe(false);
    const all = await withTimeout(client().sendRequest<Array<{ uri: string }>>('yaml/get/all/jsonSchemas', uriOf('flows/sample_flow.yaml')), 'list of all schemas');
    const uris = all.map((s) => s.uri).sort();
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) expect(uri, 'every schema the server knows is a file of the workspace').toMatch(new RegExp(`^${pathToFileURL(path.join(ws, 'schemas')).href}/[a-z-]+\\.json$`));
  });

  test('every sample input (diagnostic and rail adapters, flows, margins, policy, profiles) gets its schema and no problem', async () => {
    const files = yamlFiles();
    // What init writes today: both kinds of adapter, and every other folder.
    for (const rel of ['adapters/vcore.yaml', 'adapters/freq.yaml', 'adapters/cpu-smoke.yaml', 'flows/sample_flow.yaml', 'margins/sample_margin.yaml', 'policy/safety.yaml']) {
      expect(files).toContain(rel);
    }
    expect(files.some((f) => f.startsWith('policy/profiles/'))).toBe(true);
    expect(files.some((f) => f.startsWith('adapters/available/'))).toBe(true);
    const results = await Promise.all(files.map(async (rel) => ({ rel, diagnostics: await open(rel, readFileSync(path.join(ws, rel), 'utf8')) })));
    for (const { rel, diagnostics } of results) {
      expect(diagnostics.map((d) => `${rel}:${d.range.start.line + 1}: ${d.message}`), rel).toEqual([]);
      expect(await schemasOf(rel), rel).toEqual([uriOf(`schemas/${expectedSchema(rel)}`)]);
    }
  });

  test('a broken rail manifest: the unknown key and the wrong type are errors on their own lines', async () => {
    const text = readFileSync(path.join(ws, 'adapters/vcore.yaml'), 'utf8')
      .replace(/^tolerance: .*$/m, 'tolerance: two millivolts')
      .replace(/^settle_ms: .*$/m, '$&\nsettle_time: 20');
    writeFileSync(path.join(ws, 'adapters/broken-rail.yaml'), text);
    const diagnostics = await open('adapters/broken-rail.yaml', text);
    const at = (prefix: string) => diagnostics.filter((d) => d.range.start.line === lineOf(text, prefix).line && d.severity === 1);
    expect(at('settle_time:').map((d) => d.message).join('\n')).toMatch(/settle_time.*not allowed/i);
    expect(at('tolerance:').map((d) => d.message).join('\n')).toMatch(/incorrect type.*number/i);
    // Nothing else is reported: in particular not the diagnostic schema's complaints about rail keys.
    const elsewhere = diagnostics.filter((d) => ![lineOf(text, 'settle_time:').line, lineOf(text, 'tolerance:').line].includes(d.range.start.line));
    expect(elsewhere.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  test('a broken flow: an unknown step key and a wrong on_fail are errors on their own lines', async () => {
    const text = readFileSync(path.join(ws, 'flows/sample_flow.yaml'), 'utf8')
      .replace('    on_fail: continue', '    on_fail: sometimes')
      .replace('    timeout_s: 60', '    timeout_s: 60\n    retries: 3');
    writeFileSync(path.join(ws, 'flows/broken-flow.yaml'), text);
    const diagnostics = await open('flows/broken-flow.yaml', text);
    const at = (prefix: string) => diagnostics.filter((d) => d.range.start.line === lineOf(text, prefix).line && d.severity === 1);
    expect(at('retries:').map((d) => d.message).join('\n')).toMatch(/retries.*not allowed/i);
    expect(at('on_fail:').map((d) => d.message).join('\n')).toMatch(/stop|continue/);
    const elsewhere = diagnostics.filter((d) => ![lineOf(text, 'retries:').line, lineOf(text, 'on_fail:').line].includes(d.range.start.line));
    expect(elsewhere.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  test('hover on a rail manifest property and on a flow step property shows the description from the schema', async () => {
    const rail = await ensureOpen('adapters/vcore.yaml');
    for (const key of ['settle_ms', 'tolerance', 'rail'] as const) {
      const at = lineOf(rail, `${key}:`);
      expect(unescape(await hover('adapters/vcore.yaml', at.line, at.character + 1)), key).toContain(doc('rail-adapter', key));
    }
    const flow = await ensureOpen('flows/sample_flow.yaml');
    for (const key of ['on_fail', 'timeout_s', 'adapter'] as const) {
      const at = lineOf(flow, `${key}:`);
      expect(unescape(await hover('flows/sample_flow.yaml', at.line, at.character + 1)), key).toContain(doc('flow', `steps[].${key}`));
    }
    // A diagnostic adapter next to the rail ones gets the diagnostic schema's text for the same key.
    const diag = await ensureOpen('adapters/cpu-smoke.yaml');
    const at = lineOf(diag, 'executable:');
    expect(unescape(await hover('adapters/cpu-smoke.yaml', at.line, at.character + 1))).toContain(doc('diag-adapter', 'executable'));
  });
});
