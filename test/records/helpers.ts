// Shared by the records tests: temp folders, and a plain-JS build of src/records for child
// node processes (Node 20 cannot run TypeScript; the children must use the real modules).

import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';

export const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Makes a fresh temp folder; remove it with removeTempDir. */
export async function makeTempDir(prefix = 'rr-records-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Transpiles src/errors.ts and src/records/*.ts into `<dir>/build/` (ESM JS) and returns that folder. */
export async function buildRecordsForChildren(dir: string): Promise<string> {
  const { default: ts } = await import('typescript');
  const out = join(dir, 'build');
  await mkdir(join(out, 'records'), { recursive: true });
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  await symlink(join(repoRoot, 'node_modules'), join(out, 'node_modules'), 'dir');
  const sources = ['errors.ts', ...(await readdir(join(repoRoot, 'src/records'))).filter((f) => f.endsWith('.ts')).map((f) => `records/${f}`)];
  for (const rel of sources) {
    const text = await readFile(join(repoRoot, 'src', rel), 'utf8');
    const js = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: rel,
    }).outputText;
    await writeFile(join(out, rel.replace(/\.ts$/, '.js')), js);
  }
  return out;
}

/** Starts `node <script> ...args` and resolves once its stdout has printed `line`. */
export async function spawnUntilLine(script: string, args: string[], line: string, cwd?: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolvePromise, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.split('\n').includes(line)) resolvePromise();
    });
    child.stderr!.on('data', (d: string) => (err += d));
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before "${line}": ${out}${err}`)));
  });
  return { child, output: () => out + err };
}

/** Waits for a child to have exited (and been reaped). */
export async function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  return new Promise((resolvePromise) => child.once('exit', (code, signal) => resolvePromise({ code, signal })));
}
