// The `read` rules of rail manifests (SPEC §3.1): parsing of get output (regex group, JSON
// pointer, hex, scale, the default), value formatting for `set`, and bad manifests reported
// with file:line and a fix. The shipped manifests of adapters/available/ validate with ajv.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { compileValidators } from '../../src/config/compileSchemas.js';
import { formatRailValue, readParser, readRuleProblems } from '../../src/config/railRead.js';
import { formatProblem } from '../../src/errors.js';
import { checkAvailableAdapters, loadWorkspace } from '../../src/workspace/load.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const validators = compileValidators();

describe('read rules: parsing get output', () => {
  test('default: the output must be exactly one decimal number', () => {
    const p = readParser('vcore', undefined);
    expect(p('1000\n')).toEqual({ value: 1000, error: null });
    expect(p('  -12.5 \n')).toEqual({ value: -12.5, error: null });
    expect(p('9.5e2')).toEqual({ value: 950, error: null });
    const extra = p('Vcore: 1000 mV\n');
    expect(extra.value).toBeNull();
    expect(extra.error).toMatch(/vcore get printed "Vcore: 1000 mV", not exactly one number; add a read rule to the manifest \(read: \{regex:/);
    expect(p('1000\n1001\n').value).toBeNull();
    expect(p('').value).toBeNull();
    expect(p('1e999').error).toMatch(/get printed "1e999", which is not a finite number/);
  });

  test('regex: the one capture group, on any line of the output (^ and $ per line)', () => {
    // An ipmitool sensor table row.
    const table = 'CPU Temp         | 45.000     | degrees C  | ok\nVcore            | 1.020      | Volts      | ok\n';
    const p = readParser('ipmi', { regex: '^Vcore\\s*\\|\\s*([0-9.]+)\\s*\\|', scale: 1000 });
    expect(p(table)).toEqual({ value: 1020, error: null });
    expect(p('Vcore | n/a | Volts | ns\n').error).toMatch(/ipmi get: read.regex .* matched nothing in/);
    const word = readParser('bad', { regex: 'Vcore: (\\S+)' });
    expect(word('Vcore: high\n').error).toMatch(/bad get: the captured text "high" is not a number/);
    const optional = readParser('opt', { regex: 'V(x([0-9]+))?' });
    expect(optional('V').error).toMatch(/matched, but its group took no part/);
  });

  test('json_pointer: into one JSON document; numbers or numeric text; ~1 and ~0 escapes; array indexes', () => {
    const redfish = JSON.stringify({ Voltages: [{ Name: 'VDD_CPU', ReadingVolts: 0.95 }, { Name: 'VDDQ', ReadingVolts: '1.21' }], 'a/b': { '~x': 7 } });
    expect(readParser('rf', { json_pointer: '/Voltages/0/ReadingVolts', scale: 1000 })(redfish)).toEqual({ value: 950, error: null });
    expect(readParser('rf', { json_pointer: '/Voltages/1/ReadingVolts' })(redfish)).toEqual({ value: 1.21, error: null });
    expect(readParser('rf', { json_pointer: '/a~1b/~0x' })(redfish)).toEqual({ value: 7, error: null });
    expect(readParser('rf', { json_pointer: '/Voltages/2/ReadingVolts' })(redfish).error).toMatch(/read.json_pointer \/Voltages\/2\/ReadingVolts finds nothing in the output \(no "2"\)/);
    expect(readParser('rf', { json_pointer: '/Voltages/0' })(redfish).error).toMatch(/points at object, not a number/);
    expect(readParser('rf', { json_pointer: '/x' })('Reading: 3').error).toMatch(/rf get printed no JSON document/);
  });

  test('hex and scale: a register word to the rail unit; sysfs kHz to MHz', () => {
    expect(readParser('reg', { regex: 'READ_VOUT=(0x[0-9a-fA-F]+)', hex: true })('READ_VOUT=0x0d9a\n')).toEqual({ value: 3482, error: null });
    expect(readParser('reg', { regex: '= ([0-9a-f]+)$', hex: true, scale: 0.5 })('word = 0d9a\n')).toEqual({ value: 1741, error: null });
    expect(readParser('reg', { regex: '(\\S+)', hex: true })('0xzz').error).toMatch(/"0xzz" is not a hexadecimal number/);
    expect(readParser('cpufreq', { regex: '^scaling_max_freq: ([0-9]+) kHz$', scale: 0.001 })('scaling_max_freq: 2400000 kHz\n')).toEqual({ value: 2400, error: null });
    // Scaling never leaves binary noise: 1234567 kHz is 1234.567 MHz, not 1234.5670000000002.
    expect(readParser('cpufreq', { regex: '([0-9]+)', scale: 0.001 })('1234567').value).toBe(1234.567);
  });
});

describe('read rules: problems', () => {
  test('a regex needs exactly one group; a pointer must be a JSON pointer; exactly one of regex and json_pointer', () => {
    expect(readRuleProblems({ regex: 'Vcore: [0-9]+' })).toMatchObject([{ key: 'regex', message: 'the regex has 0 capture groups; it needs exactly one, around the value' }]);
    expect(readRuleProblems({ regex: '(Vcore): ([0-9]+)' })).toMatchObject([{ key: 'regex', message: 'the regex has 2 capture groups; it needs exactly one, around the value', hint: expect.stringMatching(/\(\?:/) }]);
    expect(readRuleProblems({ regex: '(?:Vcore): ([0-9]+)' })).toEqual([]);
    expect(readRuleProblems({ regex: '(a)\\1' })).toMatchObject([{ key: 'regex', message: expect.stringMatching(/invalid regular expression/) }]);
    expect(readRuleProblems({ json_pointer: 'Voltages/0' })).toMatchObject([{ key: 'json_pointer', message: '"Voltages/0" is not a JSON pointer' }]);
    expect(readRuleProblems({ json_pointer: '/a~2b' })).toMatchObject([{ key: 'json_pointer' }]);
    expect(readRuleProblems({ json_pointer: '' })).toEqual([]);
    expect(readRuleProblems({ hex: true })).toMatchObject([{ key: '', message: 'read needs regex or json_pointer' }]);
    expect(readRuleProblems({ regex: '(x)', json_pointer: '/x' })).toMatchObject([{ key: '', message: 'read has both regex and json_pointer' }]);
  });
});

describe('values given to set', () => {
  test('plain decimal text, never exponent notation', () => {
    expect(formatRailValue(2400)).toBe('2400');
    expect(formatRailValue(0.95)).toBe('0.95');
    expect(formatRailValue(1e-7)).toBe('0.0000001');
    expect(formatRailValue(-2.5e-7)).toBe('-0.00000025');
    expect(formatRailValue(1.5e21)).toBe('1500000000000000000000');
    expect(formatRailValue(1e21)).toBe('1000000000000000000000');
    for (const v of [1e-7, -2.5e-7, 1.5e21, 123.456, 4.2e-12]) expect(Number(formatRailValue(v))).toBe(v);
  });
});

describe('rail manifests in a workspace', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });
  const sample = () => {
    root = mkdtempSync(path.join(tmpdir(), 'rr-read-'));
    for (const d of ['adapters', 'diags', 'flows', 'margins', 'policy']) cpSync(path.join(REPO, d), path.join(root, d), { recursive: true });
    return root;
  };
  const problemsOf = (r: string) => loadWorkspace(validators, r, { envPath: '' }).problems.map(formatProblem);

  test('the shipped manifests validate with ajv and the sample workspace stays clean', () => {
    for (const f of ['cpufreq.yaml', 'pmbus-vcore.yaml']) {
      const data = parse(readFileSync(path.join(REPO, 'adapters/available', f), 'utf8'));
      const ok = validators['rail-adapter'](data);
      expect(validators['rail-adapter'].errors ?? [], f).toEqual([]);
      expect(ok).toBe(true);
      expect(data.nominal).toBe('read');
      expect(readRuleProblems(data.read)).toEqual([]);
    }
    const r = sample();
    expect(problemsOf(r)).toEqual([]);
    expect(checkAvailableAdapters(validators, r, '')).toEqual({ files: 2, problems: [] });
    // The sample sweep still drives the simulated rails.
    const ws = loadWorkspace(validators, r, { envPath: '' });
    expect(ws.adapters.filter((a) => a.data.kind === 'rail').map((a) => [a.data.name, a.data.executable]).sort()).toEqual([['freq', 'sim-rail'], ['vcore', 'sim-rail']]);
  });

  const edit = (r: string, file: string, from: string, to: string) => {
    const text = readFileSync(path.join(r, file), 'utf8');
    if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
    writeFileSync(path.join(r, file), text.replace(from, () => to));
  };

  test('read rules that the schema accepts but cannot work are reported with file:line and a fix', () => {
    const r = sample();
    edit(r, 'adapters/vcore.yaml', 'nominal: 1000', 'nominal: read\nread:\n  regex: "Vcore ([0-9]+) ([a-z]+)"');
    edit(r, 'adapters/freq.yaml', 'nominal: 2400', 'nominal: 2400\nread: {json_pointer: "Readings/0", hex: true}');
    expect(problemsOf(r)).toEqual([
      'adapters/freq.yaml:9:22: read.json_pointer: "Readings/0" is not a JSON pointer — start it with "/" and write ~ as ~0 and / inside a key as ~1, e.g. /Readings/0/Value',
      'adapters/vcore.yaml:10:10: read.regex: the regex has 2 capture groups; it needs exactly one, around the value — make the other groups non-capturing: (?:...)',
    ]);
    edit(r, 'adapters/vcore.yaml', '([0-9]+) ([a-z]+)', '[0-9]+');
    edit(r, 'adapters/freq.yaml', '{json_pointer: "Readings/0", hex: true}', '{hex: true}');
    expect(problemsOf(r)).toEqual([
      'adapters/freq.yaml:9:7: read: read needs regex or json_pointer — give exactly one: `regex: "Vcore *\\\\| *([0-9.]+)"` (one capture group) or `json_pointer: /Reading`',
      'adapters/vcore.yaml:10:10: read.regex: the regex has 0 capture groups; it needs exactly one, around the value — put ( ) around the number, e.g. "Vcore: ([0-9.]+)"',
    ]);
  });

  test('a nominal that is neither a number nor read, and a scale of 0, are schema errors with file:line', () => {
    const r = sample();
    edit(r, 'adapters/vcore.yaml', 'nominal: 1000', 'nominal: reed');
    edit(r, 'adapters/freq.yaml', 'nominal: 2400', 'nominal: 2400\nread: {regex: "([0-9]+)", scale: 0}');
    expect(problemsOf(r)).toEqual([
      'adapters/freq.yaml:9:34: read.scale: expected a number above 0 and at most 9007199254740991, got 0',
      'adapters/vcore.yaml:8:10: nominal: expected a number or the word read, got "reed"',
    ]);
  });

  test('a broken manifest in adapters/available/ is found by validate, not loaded as an adapter', () => {
    const r = sample();
    edit(r, 'adapters/available/cpufreq.yaml', 'scale: 0.001', 'scal: 0.001');
    edit(r, 'adapters/available/pmbus-vcore.yaml', "'= ([0-9]+(?:\\.[0-9]+)?) mV$'", "'= ([0-9]+)(\\.[0-9]+)? mV$'");
    expect(problemsOf(r)).toEqual([]);
    const found = checkAvailableAdapters(validators, r, '');
    expect(found.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^adapters\/available\/cpufreq\.yaml:\d+:\d+: read.scal: unknown key "scal"/),
      expect.stringMatching(/^adapters\/available\/pmbus-vcore\.yaml:\d+:\d+: read.regex: the regex has 2 capture groups/),
    ]);
  });
});
