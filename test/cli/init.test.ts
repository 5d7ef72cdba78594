// `road_runner init [DIR]` (SPEC §2): a workspace someone who installed the package can use at
// once (samples, schema files, editor settings), and never a file overwritten.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { documentedKinds, documentedSchema } from '../../src/config/schemas/documented.js';
import { hasStackTrace, hostFile, removeDir, repoRoot, runCli } from './helpers.js';

let tmp: string | undefined;
afterEach(() => {
  removeDir(tmp);
  tmp = undefined;
});

function newTmp(): string {
  tmp = mkdtempSync(join(tmpdir(), 'rr-init-'));
  return tmp;
}

/** Every file under `dir`, relative, sorted (folders left out). */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const r = rel ? `${rel}/${d.name}` : d.name;
    return d.isDirectory() ? filesUnder(dir, r) : [r];
  }).sort();
}

describe('init', { timeout: 60_000 }, () => {
  test('creates a new folder holding the samples, schema files and editor settings; the workspace validates and plans', async () => {
    const ws = join(newTmp(), 'lab', 'ws');
    const r = await runCli(['init', ws], { cwd: tmp });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created a road_runner workspace');
    expect(r.stdout).toContain('road_runner run --flow sample_flow --margin sample_margin --unit SN123');
    for (const folder of ['adapters', 'diags', 'flows', 'margins', 'policy/profiles', 'templates', 'runs', 'schemas', '.vscode']) {
      expect(statSync(join(ws, folder)).isDirectory(), folder).toBe(true);
    }
    // The samples are byte copies of the package's own, executables stay executable.
    for (const folder of ['adapters', 'diags', 'flows', 'margins', 'policy']) {
      for (const rel of filesUnder(join(repoRoot, folder))) {
        expect(readFileSync(join(ws, folder, rel)).equals(readFileSync(join(repoRoot, folder, rel))), `${folder}/${rel}`).toBe(true);
      }
    }
    expect(statSync(join(ws, 'diags/cpu-smoke')).mode & 0o111).not.toBe(0);
    expect(readdirSync(join(ws, 'templates'))).toEqual([]);
    expect(readdirSync(join(ws, 'runs'))).toEqual([]);
    for (const kind of documentedKinds) {
      expect(JSON.parse(readFileSync(join(ws, 'schemas', `${kind}.json`), 'utf8'))).toEqual(documentedSchema(kind));
    }
    const settings = JSON.parse(readFileSync(join(ws, '.vscode/settings.json'), 'utf8'));
    expect(settings['yaml.schemas']['./schemas/adapter.json']).toContain('adapters/*.yaml');
    expect(settings['yaml.schemas']['./schemas/safety-policy.json']).toEqual(['policy/safety.yaml']);
    for (const file of Object.keys(settings['yaml.schemas'])) expect(existsSync(join(ws, file)), file).toBe(true);

    const v = await runCli(['validate'], { cwd: ws });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('ok: 15 valid files');
    const p = await runCli(['plan', '--flow', 'sample_flow', '--margin', 'sample_margin', '--host', hostFile('xeon-gold-6338.yaml')], { cwd: ws });
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('27');
  });

  test('init with no DIR uses the current folder; --templates copies the report templates', async () => {
    const ws = newTmp();
    writeFileSync(join(ws, 'notes.txt'), 'mine');
    const r = await runCli(['init', '--templates'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(join(ws, 'templates')).sort()).toEqual(['report.html.njk', 'report.md.njk']);
    expect(readFileSync(join(ws, 'templates/report.md.njk'), 'utf8')).toBe(readFileSync(join(repoRoot, 'templates/report.md.njk'), 'utf8'));
    expect(existsSync(join(ws, 'adapters/vcore.yaml'))).toBe(true);
  });

  test('refuses when anything it would write exists: lists each one, exit 2, writes nothing', async () => {
    const ws = newTmp();
    mkdirSync(join(ws, 'flows'));
    writeFileSync(join(ws, 'flows/sample_flow.yaml'), 'name: mine\n');
    mkdirSync(join(ws, '.vscode'));
    symlinkSync(join(ws, 'nowhere'), join(ws, '.vscode/settings.json')); // a dangling link is in the way too
    writeFileSync(join(ws, 'schemas'), 'a file where a folder goes');
    const r = await runCli(['init', ws]);
    expect(r.code).toBe(2);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain(`exists: ${join(ws, 'flows/sample_flow.yaml')}`);
    expect(r.stderr).toContain(`exists: ${join(ws, '.vscode/settings.json')}`);
    expect(r.stderr).toContain(`exists: ${join(ws, 'schemas')}`);
    expect(r.stderr).toContain('nothing was written');
    expect(readFileSync(join(ws, 'flows/sample_flow.yaml'), 'utf8')).toBe('name: mine\n');
    expect(lstatSync(join(ws, '.vscode/settings.json')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(ws, 'nowhere'))).toBe(false);
    expect(readdirSync(ws).sort()).toEqual(['.vscode', 'flows', 'schemas']);
    expect(readdirSync(join(ws, 'flows'))).toEqual(['sample_flow.yaml']);
  });

  test('a second init into the same folder changes nothing', async () => {
    const ws = join(newTmp(), 'ws');
    expect((await runCli(['init', ws])).code).toBe(0);
    writeFileSync(join(ws, 'margins/sample_margin.yaml'), 'name: edited\n');
    const again = await runCli(['init', ws]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('margins/sample_margin.yaml');
    expect(readFileSync(join(ws, 'margins/sample_margin.yaml'), 'utf8')).toBe('name: edited\n');
  });

  test('DIR that is a file: exit 2 with one line', async () => {
    const file = join(newTmp(), 'f');
    writeFileSync(file, '');
    const r = await runCli(['init', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a folder');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
