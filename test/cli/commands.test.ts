// Listing and checking commands end to end: validate, list-flows, margins, schema, detect,
// policy show.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { copySample, hasStackTrace, hostFile, listRuns, removeDir, runCli } from './helpers.js';

let tmp: string;
let root: string;

beforeEach(() => {
  ({ tmp, root } = copySample());
});

afterEach(() => {
  removeDir(tmp);
});

function edit(file: string, from: string, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(path, text.replace(from, to));
}

describe('validate', () => {
  test('exit 0 on the sample workspace', async () => {
    const r = await runCli(['validate'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ valid files \(\d+ adapters, 1 flows, 2 margins, 4 profiles, policy\)$/m);
    expect(listRuns(root)).toEqual([]);
  });

  test('exit 2 with every problem of every file on a broken copy', async () => {
    edit('flows/sample_flow.yaml', 'params: {iterations: 2000}', 'params: {iterations: 0, iteratons: 5}');
    edit('margins/sample_margin.yaml', 'combine: grid', 'combine: gird');
    edit('policy/profiles/amd-epyc.yaml', 'priority: 20', 'priority: high');
    const r = await runCli(['validate'], { cwd: root });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => /^[\w/.-]+\.yaml:\d+:\d+: /.test(l));
    expect(lines).toEqual([
      'flows/sample_flow.yaml:6:26: steps[0].params.iterations: 0 is below the adapter\'s min 1 — param "iterations" of adapters/cpu-smoke.yaml takes a whole number from 1 to 1000000',
      'flows/sample_flow.yaml:6:29: steps[0].params.iteratons: adapter "cpu-smoke" has no param "iteratons" — did you mean "iterations"?',
      'margins/sample_margin.yaml:6:10: combine: expected one of grid | zip, got "gird" — did you mean "grid"?',
      'policy/profiles/amd-epyc.yaml:3:11: priority: expected integer, got "high"',
    ]);
    expect(r.stderr).toContain('4 problems found; nothing is valid until all are fixed');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('--root from another folder validates that workspace', async () => {
    edit('margins/sample_margin.yaml', 'step: 25', 'step: 0');
    const r = await runCli(['--root', root, 'validate'], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('margins/sample_margin.yaml:9:54: targets.default.vcore_mv.sweep.step: sweep step is 0; it would never reach stop — from 800 to 1000 the step must be positive');
  });
});

describe('listing', () => {
  test('list-flows names each flow with its file and steps', async () => {
    const r = await runCli(['list-flows'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sample_flow  (flows/sample_flow.yaml)  3 steps: smoke, patterns, memory');
  });

  test('list-flows reports a broken flow with exit 2', async () => {
    writeFileSync(join(root, 'flows/bad.yaml'), 'name: bad\nsteps: []\n');
    const r = await runCli(['list-flows'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('sample_flow');
    expect(r.stderr).toContain('flows/bad.yaml:2:8: steps: expected at least 1 item(s), got 0');
  });

  test('margins list shows combine, point count and axes', async () => {
    const r = await runCli(['margins', 'list'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sample_margin  (margins/sample_margin.yaml)  grid, 27 points: vcore_mv×9 × freq_mhz×3');
  });

  test('margins validate --file: ok on the sample, exact problem on a broken file, usage error without --file', async () => {
    const ok = await runCli(['margins', 'validate', '--file', 'margins/sample_margin.yaml'], { cwd: root });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok: margins/sample_margin.yaml (27 points)');
    writeFileSync(join(root, 'margins/zip.yaml'), [
      'name: zip',
      'combine: zip',
      'targets:',
      '  default:',
      '    vcore_mv: {values: [900, 950, 1000]}',
      '    freq_mhz: {values: [2000, 2400]}',
      '',
    ].join('\n'));
    const bad = await runCli(['margins', 'validate', '--file', 'margins/zip.yaml'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('margins/zip.yaml:2:10: combine: zip needs every swept rail to have the same number of values (default.vcore_mv: 3, default.freq_mhz: 2) — give the axes equal lengths, or use combine: grid');
    const missing = await runCli(['margins', 'validate'], { cwd: root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('margins validate needs --file F');
  });

  test('margins validate names a file that does not exist', async () => {
    const r = await runCli(['margins', 'validate', '--file', 'margins/nope.yaml'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('margins/nope.yaml: file not found');
  });
});

describe('schema', () => {
  test('schema flow prints a JSON Schema with $schema', async () => {
    const r = await runCli(['schema', 'flow']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(doc).toMatchObject({ type: 'object', additionalProperties: false, required: ['name', 'steps'] });
  });

  test.each(['diag-adapter', 'rail-adapter', 'margin', 'safety-policy', 'hardware-profile', 'host'])('schema %s prints JSON', async (kind) => {
    const r = await runCli(['schema', kind]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('$schema');
  });

  test('schema nope: exit 2 naming the known kinds; a typo gets the closest kind', async () => {
    const r = await runCli(['schema', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown schema kind "nope"');
    expect(r.stderr).toContain('diag-adapter, rail-adapter, flow, margin');
    expect(r.stdout).toBe('');
    const typo = await runCli(['schema', 'flw']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "flow"?');
  });
});

describe('detect and saved hosts', () => {
  function factLines(stdout: string): string[] {
    return stdout.split('\n').filter((l) => l.startsWith('  '));
  }

  test.each(['x.yaml', 'x.json'])('detect --save %s, then --host reads the same facts back', async (name) => {
    const file = join(tmp, name);
    const saved = await runCli(['detect', '--save', file], { cwd: root });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain(`saved lscpu and uname texts to ${file}`);
    const text = readFileSync(file, 'utf8');
    const doc = (name.endsWith('.json') ? JSON.parse(text) : parse(text)) as { lscpu: string; uname: string };
    expect(Object.keys(doc).sort()).toEqual(['lscpu', 'uname']);
    expect(doc.lscpu).toMatch(/^Architecture:/m);
    const again = await runCli(['detect', '--host', file], { cwd: root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`host: saved host ${file}`);
    expect(factLines(again.stdout)).toEqual(factLines(saved.stdout));
    expect(factLines(again.stdout).length).toBeGreaterThan(2);
  });

  test('a saved host round-trips through detect --host --save', async () => {
    const copy = join(tmp, 'copy.yaml');
    const first = await runCli(['detect', '--host', hostFile('ampere-altra-q80.json'), '--save', copy], { cwd: root });
    expect(first.code).toBe(0);
    const original = JSON.parse(readFileSync(hostFile('ampere-altra-q80.json'), 'utf8')) as unknown;
    expect(parse(readFileSync(copy, 'utf8'))).toEqual(original);
    const second = await runCli(['detect', '--host', copy], { cwd: root });
    expect(factLines(second.stdout)).toEqual(factLines(first.stdout));
    expect(second.stdout).toMatch(/aarch64/);
  });

  test('policy show: host, profile with reasons, effective bounds with their files', async () => {
    const r = await runCli(['policy', 'show', '--host', hostFile('ampere-altra-q80.json')], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('profile: aarch64-neoverse (policy/profiles/aarch64-neoverse.yaml)');
    expect(r.stdout).toContain('rail vcore_mv: min 700 (policy/safety.yaml), max 1000 (policy/profiles/aarch64-neoverse.yaml)');
    expect(r.stdout).toContain('max sub-runs: 2000 (policy/safety.yaml)');
    const none = await runCli(['policy', 'show', '--profile', 'none', '--host', hostFile('ampere-altra-q80.json')], { cwd: root });
    expect(none.stdout).toContain('profile: none');
    expect(none.stdout).toContain('rail vcore_mv: min 700 (policy/safety.yaml), max 1100 (policy/safety.yaml)');
  });
});
