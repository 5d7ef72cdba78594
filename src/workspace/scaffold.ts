// `road_runner init`: what a new workspace holds, and writing it without touching anything
// that already exists. The samples come from the package itself (the folders it ships), the
// schema files and editor settings from the documented schemas.
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentedKinds, documentedSchema, editorSettings, schemaFileName } from '../config/schemas/documented.js';

/** One file of a new workspace: its path inside the workspace, its bytes and its mode. */
export interface ScaffoldFile {
  rel: string;
  content: Buffer;
  mode: number;
}

/** What `init` creates: folders (possibly empty) and files. */
export interface Scaffold {
  folders: string[];
  files: ScaffoldFile[];
}

/** The sample folders the package ships and `init` copies, file by file. */
export const SAMPLE_FOLDERS = ['adapters', 'diags', 'flows', 'margins', 'policy'] as const;

/** The installed package's own folder (holding dist/, adapters/, templates/ …). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

function listFiles(dir: string, rel: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.'))
    .flatMap((d) => (d.isDirectory() ? listFiles(path.join(dir, d.name), `${rel}/${d.name}`) : d.isFile() ? [`${rel}/${d.name}`] : []))
    .sort();
}

/** Everything a new workspace gets; `withTemplates` also copies the report templates for editing. */
export function buildScaffold(fromPackage: string, opts: { withTemplates: boolean }): Scaffold {
  const files: ScaffoldFile[] = [];
  const copy = (rel: string) => {
    const src = path.join(fromPackage, rel);
    files.push({ rel, content: readFileSync(src), mode: statSync(src).mode & 0o777 });
  };
  for (const folder of SAMPLE_FOLDERS) for (const rel of listFiles(path.join(fromPackage, folder), folder)) copy(rel);
  if (opts.withTemplates) for (const name of ['report.md.njk', 'report.html.njk']) copy(`templates/${name}`);
  for (const kind of documentedKinds) {
    files.push({ rel: `schemas/${schemaFileName(kind)}`, content: Buffer.from(`${JSON.stringify(documentedSchema(kind), null, 2)}\n`), mode: 0o644 });
  }
  files.push({ rel: '.vscode/settings.json', content: Buffer.from(`${JSON.stringify(editorSettings(), null, 2)}\n`), mode: 0o644 });
  return { folders: ['adapters', 'diags', 'flows', 'margins', 'policy/profiles', 'templates', 'runs', 'schemas', '.vscode'], files };
}

/** Paths of the scaffold (relative) that already exist in `dir`: any file, link or non-folder in the way. */
export function findConflicts(dir: string, scaffold: Scaffold): string[] {
  const taken = (rel: string, wantFolder: boolean): boolean => {
    try {
      const st = lstatSync(path.join(dir, rel));
      return !(wantFolder && st.isDirectory());
    } catch {
      return false;
    }
  };
  const parents = (rel: string) => rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const folders = new Set([...scaffold.folders, ...scaffold.folders.flatMap((f) => parents(`${f}/x`)), ...scaffold.files.flatMap((f) => parents(f.rel))]);
  return [
    ...[...folders].sort().filter((f) => taken(f, true)),
    ...scaffold.files.map((f) => f.rel).filter((rel) => taken(rel, false)),
  ];
}

/** Writes the scaffold into `dir` (created if missing); never replaces a file (O_EXCL). */
export function writeScaffold(dir: string, scaffold: Scaffold): void {
  mkdirSync(dir, { recursive: true });
  for (const folder of scaffold.folders) mkdirSync(path.join(dir, folder), { recursive: true });
  for (const file of scaffold.files) {
    const target = path.join(dir, file.rel);
    mkdirSync(path.dirname(target), { recursive: true });
    const fd = openSync(target, 'wx', file.mode);
    try {
      writeSync(fd, file.content);
    } finally {
      closeSync(fd);
    }
  }
}
