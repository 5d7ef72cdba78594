// Runs the built CLI (dist/cli/main.js; `npm test` builds it first) as a real child process,
// in temporary copies of the sample workspace.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const cliPath = join(repoRoot, 'dist/cli/main.js');
export const hostsDir = join(repoRoot, 'test/fixtures/hosts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Variables added to a clean environment (RR_ROOT and RR_HOST_FILE are never inherited). */
  env?: Record<string, string>;
  /** Options for node itself, e.g. a heap ceiling. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/** Runs `node dist/cli/main.js ...args` and resolves with its exit code and output (never rejects on exit codes). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npx tsc -p tsconfig.json (npm test does it)`);
  const { RR_ROOT: _root, RR_HOST_FILE: _host, ...inherited } = process.env;
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), cliPath, ...args],
      {
        cwd: options.cwd ?? repoRoot,
        env: { ...inherited, ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          fail(new Error(`road_runner did not exit normally (${error.signal ?? error.code}): ${stderr}`));
          return;
        }
        done({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A temp folder holding a copy of the sample workspace at `<tmp>/ws` (no runs/). */
export function copySample(): { tmp: string; root: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'rr-cli-'));
  const root = join(tmp, 'ws');
  for (const dir of ['adapters', 'diags', 'flows', 'margins', 'policy']) {
    cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
  }
  return { tmp, root };
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Run folders under `<root>/runs/` (empty when the folder does not exist). */
export function listRuns(root: string): string[] {
  const dir = join(root, 'runs');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** A saved host of test/fixtures/hosts/. */
export function hostFile(name: string): string {
  return join(hostsDir, name);
}

/** True when some stderr line looks like a stack frame. */
export function hasStackTrace(text: string): boolean {
  return text.includes('    at ');
}
