// Metric limits of flow steps (SPEC §11) as input: every mistake is reported with file, line
// and column and a fix, all at once, through the built CLI's `validate` (and `plan` refuses).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { copySample, hasStackTrace, listRuns, removeDir, runCli } from '../cli/helpers.js';

let tmp: string;
let root: string;

beforeEach(() => {
  ({ tmp, root } = copySample());
});

afterEach(() => {
  removeDir(tmp);
});

const BAD = `name: limits_bad
steps:
  - id: smoke
    adapter: cpu-smoke
    limits:
      gflops: {min: 30, marginal_min: 25, max: 20}
      gflop: {min: 1}
  - id: text
    adapter: cpu-smoke
    limits:
      gflops: {}
  - id: memory
    adapter: mem-test
    limits:
      bandwidth_mbps: {marginal_min: 100, minn: 5}
`;

describe('flow step limits', () => {
  test('bad limits: unknown metric (with a suggestion), misordered bounds, empty and misspelt keys — each at file:line:col', async () => {
    writeFileSync(join(root, 'flows/limits_bad.yaml'), BAD);
    const r = await runCli(['validate'], { cwd: root });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('flows/limits_bad.yaml:'));
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^flows\/limits_bad\.yaml:11:15: steps\[1\]\.limits\.gflops: .*(at least 1|fewer than 1|minProperties|must NOT have fewer)/),
      expect.stringMatching(/^flows\/limits_bad\.yaml:15:43: steps\[2\]\.limits\.bandwidth_mbps\.minn: .*— did you mean "min"\?/),
    ]));
    // Schema problems stop the file before the cross-checks; the cross-checks are shown on a file without them.
    writeFileSync(join(root, 'flows/limits_bad.yaml'), BAD.replace('      gflops: {}\n', '      gflops: {max: 100}\n').replace(', minn: 5', ''));
    const again = await runCli(['validate'], { cwd: root });
    expect(again.code).toBe(2);
    const cross = again.stderr.split('\n').filter((l) => l.startsWith('flows/limits_bad.yaml:'));
    expect(cross).toEqual([
      'flows/limits_bad.yaml:6:39: steps[0].limits.gflops.marginal_min: marginal_min (25) is below min (30) for metric "gflops" — order the bounds min ≤ marginal_min ≤ marginal_max ≤ max (all inclusive)',
      'flows/limits_bad.yaml:6:48: steps[0].limits.gflops.max: max (20) is below min (30) for metric "gflops" — order the bounds min ≤ marginal_min ≤ marginal_max ≤ max (all inclusive)',
      'flows/limits_bad.yaml:6:48: steps[0].limits.gflops.max: max (20) is below marginal_min (25) for metric "gflops" — order the bounds min ≤ marginal_min ≤ marginal_max ≤ max (all inclusive)',
      'flows/limits_bad.yaml:7:7: steps[0].limits.gflop: adapter "cpu-smoke" has no metric "gflop" — did you mean "gflops"?',
    ]);
    expect(hasStackTrace(again.stderr)).toBe(false);
    const plan = await runCli(['plan', '--flow', 'flows/limits_bad.yaml', '--margin', 'margins/sample_margin.yaml'], { cwd: root });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('flows/limits_bad.yaml:7:7:');
    expect(listRuns(root)).toEqual([]);
  });

  test('limits need a numeric metric of the step\'s own adapter', async () => {
    writeFileSync(join(root, 'adapters/texty.yaml'), 'name: texty\nexecutable: cpu-smoke\nmetrics:\n  verdict: {regex: "verdict=(\\\\w+)", type: string}\n');
    writeFileSync(join(root, 'flows/limits_text.yaml'), 'name: limits_text\nsteps:\n  - id: t\n    adapter: texty\n    limits:\n      verdict: {min: 1}\n');
    const r = await runCli(['validate'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flows/limits_text.yaml:6:7: steps[0].limits.verdict: limits need a numeric metric, but "verdict" of adapter "texty" is recorded as string text — give metric "verdict" `type: number` or `type: integer` in the adapter');
  });

  test('good limits validate, and `schema flow` describes them for editors', async () => {
    writeFileSync(join(root, 'flows/limits_ok.yaml'), 'name: limits_ok\nsteps:\n  - id: s\n    adapter: cpu-smoke\n    limits:\n      gflops: {min: 20, marginal_min: 20, marginal_max: 90, max: 90}\n');
    const r = await runCli(['validate'], { cwd: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const schema = await runCli(['schema', 'flow'], { cwd: root });
    const limits = JSON.parse(schema.stdout).properties.steps.items.properties.limits;
    expect(limits.description).toMatch(/Limits on numeric metrics/);
    expect(limits.additionalProperties.properties.marginal_min.description).toMatch(/passes as marginal/);
  });
});
