// Hostile manifests refused at `plan` time (SPEC §15): step counts beyond any sane plan,
// arguments no process could be given, and option-looking string values. Each is an input
// error (exit 2) naming file:line:col and the step or param, found before anything is
// expanded or launched, never a stack trace, and no run folder is left behind.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { copySample, hasStackTrace, hostFile, listRuns, removeDir, runCli } from './helpers.js';

const xeon = hostFile('xeon-gold-6338.yaml');
// A small heap: a plan that expanded millions of steps would crash the child, not pass.
const smallHeap = { nodeArgs: ['--max-old-space-size=128'] };

let tmp: string;
let root: string;

beforeEach(() => {
  ({ tmp, root } = copySample());
});

afterEach(() => {
  removeDir(tmp);
});

function write(file: string, text: string): void {
  writeFileSync(join(root, file), text);
}

async function plan(flow: string, extra: string[] = []) {
  const r = await runCli(['plan', '--flow', flow, '--margin', 'sample_margin', '--host', xeon, ...extra], { cwd: root, ...smallHeap });
  return r;
}

function expectInputError(r: { code: number; stderr: string }, line: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(line);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(listRuns(root)).toEqual([]);
}

// An adapter over the sample cpu-smoke with string params, for argv tests.
const textAdapter = [
  'name: text-diag',
  'executable: cpu-smoke',
  'params:',
  '  text: {type: string, flag: --text}',
  '  offset: {type: string, flag: --offset, allow_dash: true}',
  ...'abcdefghijklmnop'.split('').map((c) => `  p${c}: {type: string, flag: --p${c}}`),
  '',
].join('\n');

describe('step counts', () => {
  test('repeat: 3000000 is refused from the schema, at its line, quickly', async () => {
    write('flows/soak.yaml', 'name: soak\nsteps:\n  - id: smoke\n    adapter: cpu-smoke\n    repeat: 3000000\n');
    const r = await plan('soak');
    expectInputError(r, /^flows\/soak\.yaml:5:13: steps\[0\]\.repeat: expected a whole number from 1 to 1000000, got 3000000 — repeat a step at most 1000000 times/m);
  });

  test('a sweep times a repeat that reaches millions per sub-run is counted, not expanded, and refused', async () => {
    write('flows/soak.yaml', 'name: soak\nsteps:\n  - id: smoke\n    adapter: cpu-smoke\n    sweep: {pattern: [walk, random]}\n    repeat: 1000000\n');
    const r = await plan('soak');
    expectInputError(r, /^flows\/soak\.yaml:6:13: steps\[0\]\.repeat: the flow expands to 2,000,000 step invocations per sub-run; road_runner plans at most 100,000, whatever the policy allows — lower repeat or sweep fewer values in step "smoke"/m);
  });

  test('the plan total (sub-runs × steps) is held to limits.max_step_invocations of the policy', async () => {
    const policy = readFileSync(join(root, 'policy/safety.yaml'), 'utf8');
    // The sample plan: 27 sub-runs × 4 steps (smoke, patterns ×2, memory) = 108.
    write('policy/safety.yaml', policy.replace('max_subruns: 2000', 'max_subruns: 2000\n  max_step_invocations: 100'));
    const r = await plan('sample_flow');
    expectInputError(r, /^flows\/sample_flow\.yaml:\d+:\d+: steps\[1\]\.sweep: the plan has 108 step invocations \(27 sub-runs × 4 steps\), more than max_step_invocations 100 set by policy\/safety\.yaml — .*raise limits\.max_step_invocations in the policy$/m);
    write('policy/safety.yaml', policy.replace('max_subruns: 2000', 'max_subruns: 2000\n  max_step_invocations: 108'));
    const ok = await plan('sample_flow');
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('arguments a process could not be given', () => {
  test('a 200 KiB string param is an input error naming the step param and the kernel limit', async () => {
    write('adapters/text-diag.yaml', textAdapter);
    write('flows/big.yaml', `name: big\nsteps:\n  - id: one\n    adapter: text-diag\n    params: {text: "${'x'.repeat(200 * 1024)}"}\n`);
    const r = await plan('big');
    expectInputError(r, /^flows\/big\.yaml:5:20: steps\[0\]\.params\.text: the value is 204,800 bytes long; the kernel passes at most 131,071 bytes per argument \(MAX_ARG_STRLEN\) — pass long data in a file/m);
    // The value is not echoed whole into the message.
    expect(r.stderr.length).toBeLessThan(4000);
  });

  test('arguments that together pass ARG_MAX are refused at plan time, naming the step', async () => {
    write('adapters/text-diag.yaml', textAdapter);
    const params = 'abcdefghijklmnop'.split('').map((c) => `p${c}: "${c.repeat(120_000)}"`).join(', ');
    write('flows/big.yaml', `name: big\nsteps:\n  - id: wide\n    adapter: text-diag\n    params: {${params}}\n`);
    const r = await plan('big');
    expectInputError(r, /^flows\/big\.yaml:3:5: steps\[0\]: step "wide" \(every sub-run\) needs 1,[0-9]{3},[0-9]{3} bytes of arguments and environment; a process can be given at most 1,835,008 here/m);
  });

  test('a NUL byte in a param is an input error', async () => {
    write('adapters/text-diag.yaml', textAdapter);
    write('flows/nul.yaml', 'name: nul\nsteps:\n  - id: one\n    adapter: text-diag\n    params: {text: "a\\0b"}\n');
    const r = await plan('nul');
    expectInputError(r, /^flows\/nul\.yaml:5:20: steps\[0\]\.params\.text: the value contains a NUL byte/m);
  });
});

describe('option injection', () => {
  test('a string starting with "-" is refused, unless the param says allow_dash: true', async () => {
    write('adapters/text-diag.yaml', textAdapter);
    write('flows/dash.yaml', 'name: dash\nsteps:\n  - id: one\n    adapter: text-diag\n    params: {text: "--output=/etc/passwd"}\n');
    const refused = await plan('dash');
    expectInputError(refused, /^flows\/dash\.yaml:5:20: steps\[0\]\.params\.text: "--output=\/etc\/passwd" begins with "-", so the diagnostic could read it as an option — .*add `allow_dash: true` to param "text" of adapters\/text-diag\.yaml$/m);

    write('flows/dash.yaml', 'name: dash\nsteps:\n  - id: one\n    adapter: text-diag\n    params: {offset: "-5"}\n');
    const allowed = await plan('dash', ['--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const runId = listRuns(root)[0]!;
    const planJson = JSON.parse(readFileSync(join(root, 'runs', runId, 'plan.json'), 'utf8')) as { subruns: { steps: { argv: string[] }[] }[] };
    expect(planJson.subruns[0]!.steps[0]!.argv.slice(-2)).toEqual(['--offset', '-5']);
  });
});

describe('param patterns', () => {
  const patterned = (pattern: string) => [
    'name: text-diag',
    'executable: cpu-smoke',
    'params:',
    `  text: {type: string, flag: --text, pattern: '${pattern}'}`,
    '',
  ].join('\n');

  test('a catastrophic pattern against a long value is decided in linear time: a plain mismatch, not a stalled plan', async () => {
    write('adapters/text-diag.yaml', patterned('^(a+)+$'));
    // With a backtracking engine this value takes longer than the test's limit to refuse.
    write('flows/text.yaml', `name: text\nsteps:\n  - id: t\n    adapter: text-diag\n    params: {text: ${'a'.repeat(40_000)}b}\n`);
    const r = await plan('text');
    expectInputError(r, /^flows\/text\.yaml:\d+:\d+: steps\[0\]\.params\.text: .*does not match the pattern \/\^\(a\+\)\+\$\//m);
  });

  test('a pattern the linear engine cannot run is an input error at its line, with the fix', async () => {
    write('adapters/text-diag.yaml', patterned('^(?=x)x$'));
    write('flows/text.yaml', 'name: text\nsteps:\n  - id: t\n    adapter: text-diag\n    params: {text: x}\n');
    const r = await plan('text');
    expectInputError(r, /^adapters\/text-diag\.yaml:4:\d+: params\.text\.pattern: invalid regular expression .*no backreferences/m);
  });
});
