// The output rules behind trustworthy verdicts, in memory: per-instance metrics (one value per
// stress-ng stressor, not the last row's), the first failing line kept for the step's error,
// and classifyStep's order of evidence — a failure line, the tool's error exit codes, codes
// that are errors unless a failure line was seen, and the min_work guard.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DiagAdapter } from '../../src/config/schemas/index.js';
import { compileScanRules, createOutputScanner, MAX_FAIL_LINE_CHARS, MAX_METRIC_INSTANCES, type ScanRules } from '../../src/execute/scanRules.js';
import { classifyStep, type StepEnding } from '../../src/execute/stepOutcome.js';
import { REPO } from '../run/workspace.js';

function shipped(name: string): DiagAdapter {
  return parse(readFileSync(path.join(REPO, 'adapters', `${name}.yaml`), 'utf8')) as DiagAdapter;
}

// The scan rules a run derives from a manifest (as subrun.ts does).
function rulesOf(adapter: DiagAdapter): ScanRules {
  return {
    failRegex: adapter.pass?.stdout_fail_regex,
    passRegex: adapter.pass?.stdout_pass_regex,
    metrics: Object.entries(adapter.metrics ?? {}).map(([name, m]) => ({ name, regex: m.regex, type: m.type ?? 'string', group: m.group, instanceGroup: m.instance_group })),
    stripBackspaces: adapter.pass?.strip_control ?? false,
    stream: adapter.pass?.scan ?? 'stdout',
  };
}

function scan(adapter: DiagAdapter, text: string) {
  const scanner = createOutputScanner(compileScanRules(rulesOf(adapter))!);
  scanner.scanLines(text);
  return scanner.readOutcome();
}

function ending(over: Partial<StepEnding>): StepEnding {
  return {
    spawnError: null, interrupted: false, timedOut: false, outputError: null, exitCode: 0, signal: null,
    failMatched: false, failLine: null, passMatched: false, metrics: {}, ...over,
  };
}

const stressNg = shipped('stress-ng');
const metricsTable = [
  'stress-ng: metrc: [9] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s CPU used per       RSS Max',
  'stress-ng: metrc: [9]                           (secs)    (secs)    (secs)   (real time) (usr+sys time) instance (%)          (KB)',
  'stress-ng: metrc: [9] cpu                1558      0.99      0.90      0.01      1565.90        1719.01        91.09          6496',
  'stress-ng: metrc: [9] vm-rw                 7      1.03      0.82      0.13         6.80           7.37        92.57         20492',
].join('\n');

describe('per-instance metrics', () => {
  it('records one bogo_ops value per stressor row, and ignores the header rows', () => {
    expect(scan(stressNg, metricsTable).metrics).toEqual({
      'bogo_ops.cpu': 1558, 'bogo_ops.vm-rw': 7, 'bogo_ops_per_s.cpu': 1565.9, 'bogo_ops_per_s.vm-rw': 6.8,
    });
  });

  it('also reads rows under --timestamp', () => {
    expect(scan(stressNg, 'stress-ng: 04:46:50.12 metrc: [9] cpu   12   1.00 0.9 0.0 12.00 13.00 91.0 6496').metrics['bogo_ops.cpu']).toBe(12);
  });

  it('keeps the last value per instance, and at most MAX_METRIC_INSTANCES instances', () => {
    const rules = compileScanRules({ metrics: [{ name: 'n', regex: '^(\\S+) n=(\\d+)$', type: 'integer', instanceGroup: 1 }] })!;
    const scanner = createOutputScanner(rules);
    scanner.scanLines('a n=1\nb n=2\na n=3\nweird/name! n=4');
    expect(scanner.readOutcome().metrics).toEqual({ 'n.a': 3, 'n.b': 2, 'n.weird_name_': 4 });
    scanner.scanLines(Array.from({ length: 2 * MAX_METRIC_INSTANCES }, (_, i) => `i${i} n=${i}`).join('\n'));
    expect(Object.keys(scanner.readOutcome().metrics)).toHaveLength(MAX_METRIC_INSTANCES);
    scanner.scanLines('a n=9');
    expect(scanner.readOutcome().metrics['n.a']).toBe(9);
  });

  it('takes the value from an explicit group', () => {
    const rules = compileScanRules({ metrics: [{ name: 't', regex: '^temp (\\w+) (\\d+) (\\d+)$', type: 'integer', group: 3 }] })!;
    const scanner = createOutputScanner(rules);
    scanner.scanLines('temp core 40 55');
    expect(scanner.readOutcome().metrics).toEqual({ t: 55 });
  });
});

describe('failure lines', () => {
  it("matches stress-ng's real fail prefix (two spaces) but not its info or error lines", () => {
    expect(scan(stressNg, 'stress-ng: info:  [9] dispatching hogs: 1 cpu\nstress-ng: error: [9] process [10] (vm) terminated').failMatched).toBe(false);
    const out = scan(stressNg, 'stress-ng: fail:  [10] vm: detected 3 bit errors while stressing memory\nstress-ng: fail:  [10] second');
    expect(out.failLine).toBe('stress-ng: fail:  [10] vm: detected 3 bit errors while stressing memory');
  });

  it('keeps the first failing line, shortened', () => {
    const scanner = createOutputScanner(compileScanRules({ failRegex: 'BAD' })!);
    scanner.scanLines(`BAD ${'x'.repeat(1000)}\nBAD again`);
    const { failLine } = scanner.readOutcome();
    expect(failLine!.startsWith('BAD xxx')).toBe(true);
    expect(failLine).toHaveLength(MAX_FAIL_LINE_CHARS + 1);
  });
});

describe('classifyStep with the shipped manifests', () => {
  it('stress-ng: exit 1 and 3-7 are error with their meaning, 2 is failed', () => {
    for (const code of [1, 3, 4, 5, 6, 7]) {
      const out = classifyStep(ending({ exitCode: code, metrics: { 'bogo_ops.cpu': 5 } }), stressNg, 10);
      expect(out.status, `exit ${code}`).toBe('error');
      expect(out.error).toBe(`exit code ${code} (${stressNg.pass!.exit_code_meanings![String(code)]})`);
    }
    expect(classifyStep(ending({ exitCode: 2 }), stressNg, 10)).toEqual({ status: 'failed', error: 'exit code 2 (one or more stressors failed)' });
  });

  it('a failure line is failed even with an exit code that alone would be error', () => {
    const out = classifyStep(ending({ exitCode: 3, failMatched: true, failLine: 'stress-ng: fail:  [1] x' }), stressNg, 10);
    expect(out).toEqual({ status: 'failed', error: 'exit code 3 (a stressor could not start: not enough resources); failure line: stress-ng: fail:  [1] x' });
  });

  it('min_work: zero bogo ops, or none reported, is failed as "did no work"; enough work passes', () => {
    expect(classifyStep(ending({ metrics: { 'bogo_ops.cpu': 10, 'bogo_ops.vm': 0 } }), stressNg, 10))
      .toEqual({ status: 'failed', error: 'did no work: bogo_ops.vm = 0 (at least 1 expected)' });
    expect(classifyStep(ending({ metrics: {} }), stressNg, 10))
      .toEqual({ status: 'failed', error: 'did no work: no bogo_ops value in the output (at least 1 expected)' });
    expect(classifyStep(ending({ metrics: { 'bogo_ops.cpu': 1, 'bogo_ops_per_s.cpu': 0 } }), stressNg, 10)).toEqual({ status: 'passed', error: null });
    const optional: DiagAdapter = { ...stressNg, pass: { ...stressNg.pass, min_work: { metric: 'bogo_ops', min: 1, required: false } } };
    expect(classifyStep(ending({ metrics: {} }), optional, 10).status).toBe('passed');
  });

  it('stressapptest: exit 1 is failed with a failure line and error without one', () => {
    const sat = shipped('stressapptest');
    const base = { exitCode: 1, metrics: { copied_mb: 10 } };
    expect(classifyStep(ending({ ...base, failMatched: true, failLine: 'Report Error: miscompare : DIMM Unknown : 1 : 3s' }), sat, 10).status).toBe('failed');
    expect(classifyStep(ending(base), sat, 10).status).toBe('error');
    expect(classifyStep(ending({ exitCode: 0, passMatched: true, metrics: { copied_mb: 0 } }), sat, 10).error).toBe('did no work: copied_mb = 0 (at least 1 expected)');
    expect(classifyStep(ending({ exitCode: 0, passMatched: false, metrics: { copied_mb: 5 } }), sat, 10).status).toBe('failed');
  });

  it('memtester: 1 is error, 2/4/6 failed, and a run without "Done." failed', () => {
    const mt = shipped('memtester');
    const done = { passMatched: true, metrics: { loops_done: 1 } };
    expect(classifyStep(ending({ ...done, exitCode: 1 }), mt, 10).status).toBe('error');
    for (const code of [2, 4, 6]) expect(classifyStep(ending({ ...done, exitCode: code }), mt, 10).status).toBe('failed');
    expect(classifyStep(ending({ ...done, exitCode: 0 }), mt, 10).status).toBe('passed');
    expect(classifyStep(ending({ exitCode: 0, metrics: { loops_done: 1 } }), mt, 10).status).toBe('failed');
  });

  it("stressapptest's and memtester's real failure lines match their fail patterns", () => {
    expect(scan(shipped('stressapptest'), 'Log: ok\nStatus: FAIL - test encountered procedural errors').failMatched).toBe(false);
    expect(scan(shipped('stressapptest'), 'Status: FAIL - test discovered HW problems').failMatched).toBe(true);
    const mt = scan(shipped('memtester'), '  Compare XOR         : \b\b-\b\\\nFAILURE: 0x0000000000000001 != 0x0000000000000003 at offset 0x0000000000000040.');
    expect(mt.failLine).toBe('FAILURE: 0x0000000000000001 != 0x0000000000000003 at offset 0x0000000000000040.');
  });
});
