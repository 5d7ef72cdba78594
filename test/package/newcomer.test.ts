// What a newcomer does (issue 11): from a clean copy of the repository, `npm pack`, install the
// tarball globally into a fresh prefix, `road_runner init` in an empty folder, then the sample
// sweep there. Everything below runs real npm and the installed binary; dependencies come
// from the npm registry (or npm's cache).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../cli/helpers.js';

/** The files a clean clone would hold: tracked plus new files not ignored (null when this is no git checkout). */
function cloneFiles(): string[] | null {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.split('\0').filter((f) => f !== '' && existsSync(path.join(repoRoot, f)));
}

const files = cloneFiles();
// CI runs on a git clone; elsewhere (e.g. an unpacked tarball) there is no clean copy to make.
if (files === null && process.env.REQUIRE_SYSTEM_TOOLS) throw new Error('the newcomer test needs the repository as a git checkout');

const tmp = mkdtempSync(path.join(tmpdir(), 'rr-newcomer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A shell-like environment: nothing of the `npm test` that may be running us leaks into npm. */
function cleanEnv(extraPath?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('RR_')));
  // The node running this test (a CI leg's) runs npm and road_runner too.
  env.PATH = [extraPath, path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter);
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

describe.skipIf(files === null)('a newcomer installs the package and runs the sample', { timeout: 900_000 }, () => {
  test('npm pack on a clean copy, global install into a fresh prefix, init in an empty folder, a sample run', () => {
    // 1. A clean copy: the clone's files, and the dependencies (npm ci's node_modules) to build with.
    const copy = path.join(tmp, 'clone');
    for (const f of files!) {
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      copyFileSync(path.join(repoRoot, f), path.join(copy, f));
    }
    expect(existsSync(path.join(copy, 'dist'))).toBe(false);
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));

    // 2. npm pack (prepack builds dist/, schemas/ and the compiled templates).
    const packed = run('npm', ['pack', '--pack-destination', tmp], copy, cleanEnv());
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = readdirSync(tmp).find((n) => /^road_runner-.*\.tgz$/.test(n));
    expect(tarball).toBeDefined();
    const listing = execFileSync('tar', ['-tzf', path.join(tmp, tarball!)], { encoding: 'utf8' }).split('\n');
    for (const f of ['package/LICENSE', 'package/README.md', 'package/dist/cli/main.js', 'package/schemas/adapter.json', 'package/diags/sim-rail', 'package/templates/report.html.njk']) {
      expect(listing, f).toContain(f);
    }
    expect(listing.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toBe(false);

    // 3. A global install into a fresh prefix.
    const prefix = path.join(tmp, 'prefix');
    const installed = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, tarball!)], tmp, cleanEnv());
    expect(installed.code, installed.stderr).toBe(0);
    const bin = path.join(prefix, 'bin');
    expect(existsSync(path.join(bin, 'road_runner'))).toBe(true);
    const env = cleanEnv(bin);

    // 4. init in an empty folder.
    const ws = path.join(tmp, 'lab');
    mkdirSync(ws);
    const init = run('road_runner', ['init'], ws, env);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(existsSync(path.join(ws, '.vscode/settings.json'))).toBe(true);
    expect(statSync(path.join(ws, 'diags/sim-rail')).mode & 0o111).not.toBe(0);
    const valid = run('road_runner', ['validate'], ws, env);
    expect(valid.code, valid.stderr).toBe(0);

    // 5. The sample sweep: exit 1 by design (its points cross the stub diagnostics' boundary).
    const sweep = run('road_runner', ['run', '--flow', 'sample_flow', '--margin', 'sample_margin', '--unit', 'SN123', '--yes'], ws, env);
    expect(sweep.stderr).not.toContain('internal error');
    expect(sweep.code, sweep.stderr).toBe(1);
    const runs = readdirSync(path.join(ws, 'runs')).filter((n) => n.startsWith('rr-'));
    expect(runs).toHaveLength(1);
    const runDir = path.join(ws, 'runs', runs[0]!);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.subruns).toHaveLength(27);
    expect(summary.counts.failed).toBeGreaterThan(0);
    expect(summary.counts.passed).toBeGreaterThan(0);
    expect(readFileSync(path.join(runDir, 'report.html'), 'utf8')).toContain('<html');
    expect(existsSync(path.join(runDir, 'report.md'))).toBe(true);
    // The report templates came from the installed package (the workspace has none).
    expect(readdirSync(path.join(ws, 'templates'))).toEqual([]);
    const report = run('road_runner', ['report', 'latest'], ws, env);
    expect(report.code, report.stderr).toBe(0);
  });
});
