// `road_runner plan` end to end: the matrix, plan.json (§9), --json, workspace and host
// selection, profiles, and refusals (exit 2 / 3) that leave no run folder behind.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { copySample, hasStackTrace, hostFile, listRuns, removeDir, runCli } from './helpers.js';

const xeon = hostFile('xeon-gold-6338.yaml');
const planArgs = ['plan', '--flow', 'flows/sample_flow.yaml', '--margin', 'margins/sample_margin.yaml'];
const runIdPattern = /^rr-\d{8}T\d{6}Z-[0-9a-f]{6}$/;

let tmp: string;
let root: string;

beforeEach(() => {
  ({ tmp, root } = copySample());
});

afterEach(() => {
  removeDir(tmp);
});

interface PlanJson {
  run_id: string;
  seed: number;
  flow: string;
  margin: string;
  profile: string | null;
  bounds: { rails: Record<string, { min?: number; max?: number }> };
  subruns: {
    id: string;
    index: number;
    seed: number;
    margins: Record<string, number>;
    adapter_margins: Record<string, Record<string, number>>;
    steps: { index: number; step_id: string; adapter: string; params: Record<string, unknown>; argv: string[]; timeout_s: number }[];
  }[];
}

function readPlan(runId: string): PlanJson {
  return JSON.parse(readFileSync(join(root, 'runs', runId, 'plan.json'), 'utf8')) as PlanJson;
}

describe('plan on the sample workspace', () => {
  test('prints the expansion matrix and writes runs/<id>/plan.json with the §9 keys', async () => {
    const r = await runCli([...planArgs, '--host', xeon], { cwd: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const runs = listRuns(root);
    expect(runs).toHaveLength(1);
    const runId = runs[0]!;
    expect(runId).toMatch(runIdPattern);
    const plan = readPlan(runId);
    expect(Object.keys(plan)).toEqual(expect.arrayContaining(['run_id', 'seed', 'flow', 'margin', 'profile', 'bounds', 'subruns']));
    expect(plan).toMatchObject({ run_id: runId, seed: 42, flow: 'sample_flow', margin: 'sample_margin', profile: 'intel-xeon' });
    expect(plan.bounds.rails.vcore_mv).toMatchObject({ min: 780, max: 1050 });
    expect(plan.subruns).toHaveLength(27);
    plan.subruns.forEach((s, i) => {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['id', 'index', 'seed', 'margins', 'steps']));
      expect(s.id).toBe(`${runId}-s${String(i).padStart(2, '0')}`);
      expect(s.index).toBe(i);
      expect(Object.keys(s.margins).sort()).toEqual(['freq_mhz', 'vcore_mv']);
      expect(s.adapter_margins).toEqual({ 'mem-test': { vddq_mv: 1200 } });
      expect(s.steps.map((st) => [st.index, st.step_id, st.adapter])).toEqual([
        [0, 'smoke', 'cpu-smoke'], [1, 'patterns', 'cpu-smoke'], [2, 'patterns', 'cpu-smoke'], [3, 'memory', 'mem-test'],
      ]);
    });
    const smoke = plan.subruns[0]!.steps[0]!;
    expect(smoke).toMatchObject({ params: { iterations: 2000 }, timeout_s: 120 });
    expect(smoke.argv).toEqual(['diags/cpu-smoke', '--mode', 'smoke', '--iterations', '2000']);
    expect(plan.subruns[0]!.steps[3]!).toMatchObject({ params: { size_mb: 64 }, timeout_s: 60, argv: ['diags/mem-test', '--size-mb', '64'] });
    // Grid order: freq (the last axis) varies fastest; vcore steps by 25 with jitter ±3.
    expect(plan.subruns.slice(0, 4).map((s) => s.margins.freq_mhz)).toEqual([2000, 2400, 2800, 2000]);
    plan.subruns.forEach((s, i) => expect(Math.abs(s.margins.vcore_mv! - (800 + 25 * Math.floor(i / 3)))).toBeLessThanOrEqual(3));

    const out = r.stdout;
    expect(out).toContain(`run ${runId}: flow sample_flow × margin sample_margin (grid)`);
    expect(out).toContain('profile: intel-xeon');
    expect(out).toContain('seed: 42 (margin)');
    expect(out).toContain('27 sub-runs × 4 steps = 108 invocations');
    expect(out).toMatch(/^sub-run\s+seed\s+vcore_mv\s+freq_mhz\s+vddq_mv \(passive\) @mem-test$/m);
    expect(out).toContain(`plan written to runs/${runId}/plan.json`);
    // Every matrix row shows the values of plan.json.
    for (const s of plan.subruns) {
      const suffix = s.id.slice(runId.length + 1);
      const row = out.split('\n').find((l) => l.startsWith(`${suffix} `));
      expect(row?.trim().split(/\s+/), suffix).toEqual([suffix, String(s.seed), String(s.margins.vcore_mv), String(s.margins.freq_mhz), '1200']);
    }
  });

  test('--json prints the same plan that is written to plan.json', async () => {
    const r = await runCli([...planArgs, '--json', '--host', xeon], { cwd: root });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as PlanJson;
    expect(printed.run_id).toMatch(runIdPattern);
    expect(listRuns(root)).toEqual([printed.run_id]);
    expect(printed).toEqual(readPlan(printed.run_id));
  });

  test('same inputs twice: the same plan apart from run id and time', async () => {
    const a = JSON.parse((await runCli([...planArgs, '--json', '--host', xeon], { cwd: root })).stdout);
    const b = JSON.parse((await runCli([...planArgs, '--json', '--host', xeon], { cwd: root })).stdout);
    const strip = (p: PlanJson & { created_at?: string }) => ({
      ...p, run_id: undefined, created_at: undefined, subruns: p.subruns.map((s) => ({ ...s, id: undefined })),
    });
    expect(strip(b)).toEqual(strip(a));
    const c = JSON.parse((await runCli([...planArgs, '--json', '--seed', '7', '--host', xeon], { cwd: root })).stdout) as PlanJson;
    expect(c.seed).toBe(7);
    expect(c.subruns.map((s) => s.seed)).not.toEqual(a.subruns.map((s: { seed: number }) => s.seed));
  });

  test('--root DIR works from another folder; runs/ is created under DIR', async () => {
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    const r = await runCli(['--root', root, 'plan', '--flow', 'sample_flow', '--margin', 'sample_margin', '--host', xeon], { cwd: elsewhere });
    expect(r.code).toBe(0);
    expect(listRuns(root)).toHaveLength(1);
    expect(listRuns(elsewhere)).toEqual([]);
  });

  test('RR_ROOT names the workspace when --root is absent', async () => {
    const r = await runCli(['plan', '--flow', 'sample_flow', '--margin', 'sample_margin', '--host', xeon], { cwd: tmp, env: { RR_ROOT: root } });
    expect(r.code).toBe(0);
    expect(listRuns(root)).toHaveLength(1);
  });

  test('a root that is not a folder is a usage error', async () => {
    const r = await runCli(['--root', join(tmp, 'missing'), 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`workspace root ${join(tmp, 'missing')} (from --root) is not a folder`);
  });
});

describe('hosts and profiles', () => {
  // The sample plan under --profile none gives every planned value; the profile's bounds
  // (read from its file) then say which sub-runs must be refused.
  async function listViolatingSubruns(profileName: string): Promise<string[]> {
    const all = JSON.parse((await runCli([...planArgs, '--json', '--profile', 'none', '--host', xeon], { cwd: root })).stdout) as PlanJson;
    removeDir(join(root, 'runs'));
    const profile = parse(readFileSync(join(root, 'policy/profiles', `${profileName}.yaml`), 'utf8')) as { policy: { bounds: Record<string, { min: number; max: number }> } };
    const out: string[] = [];
    for (const s of all.subruns) {
      const bad = Object.entries(s.margins).some(([rail, v]) => {
        const b = profile.policy.bounds[rail];
        return b !== undefined && (v < b.min || v > b.max);
      });
      if (bad) out.push(s.id.slice(all.run_id.length + 1));
    }
    return out;
  }

  function listNamedSubruns(stderr: string): string[] {
    return [...stderr.matchAll(/^ {2}rr-\d{8}T\d{6}Z-[0-9a-f]{6}-(s\d+): /gm)].map((m) => m[1]!);
  }

  test('an aarch64 Neoverse host (saved JSON) selects aarch64-neoverse: exit 3, every violating sub-run listed, no run folder', async () => {
    const expected = await listViolatingSubruns('aarch64-neoverse');
    expect(expected.length).toBeGreaterThan(0);
    const r = await runCli([...planArgs, '--host', hostFile('ampere-altra-q80.json')], { cwd: root });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${expected.length} safety violation${expected.length === 1 ? '' : 's'}; nothing was run`);
    expect(listNamedSubruns(r.stderr)).toEqual(expected);
    expect(r.stderr).toMatch(/rail vcore_mv: 100[0-9] is above max 1000 set by policy\/profiles\/aarch64-neoverse\.yaml/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(listRuns(root)).toEqual([]);
  });

  test('an AMD EPYC host (saved YAML) selects amd-epyc; points below its min 760 are refused', async () => {
    const shown = await runCli(['policy', 'show', '--host', hostFile('epyc-7763.yaml')], { cwd: root });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('profile: amd-epyc (policy/profiles/amd-epyc.yaml)');
    expect(shown.stdout).toContain('rail vcore_mv: min 760 (policy/profiles/amd-epyc.yaml), max 1050 (policy/profiles/amd-epyc.yaml)');
    // The sample itself lies within the profile: it plans, and plan.json records the profile.
    const ok = await runCli([...planArgs, '--json', '--host', hostFile('epyc-7763.yaml')], { cwd: root });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ profile: 'amd-epyc', bounds: { rails: { vcore_mv: { min: 760, min_source: 'policy/profiles/amd-epyc.yaml' } } } });
    removeDir(join(root, 'runs'));
    // A sweep reaching below 760 mV is refused, naming exactly the sub-runs below the profile's min.
    const margin = readFileSync(join(root, 'margins/sample_margin.yaml'), 'utf8').replace('start: 800', 'start: 725');
    writeFileSync(join(root, 'margins/sample_margin.yaml'), margin);
    const expected = await listViolatingSubruns('amd-epyc');
    expect(expected.length).toBeGreaterThan(0);
    const r = await runCli([...planArgs, '--host', hostFile('epyc-7763.yaml')], { cwd: root });
    expect(r.code).toBe(3);
    expect(listNamedSubruns(r.stderr)).toEqual(expected);
    expect(r.stderr).toContain('set by policy/profiles/amd-epyc.yaml');
    expect(listRuns(root)).toEqual([]);
  });

  test('RR_HOST_FILE is used when --host is absent', async () => {
    const r = await runCli([...planArgs, '--json'], { cwd: root, env: { RR_HOST_FILE: hostFile('epyc-7763.yaml') } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).profile).toBe('amd-epyc');
    const x = await runCli([...planArgs, '--json'], { cwd: root, env: { RR_HOST_FILE: xeon } });
    expect(x.code).toBe(0);
    expect(JSON.parse(x.stdout).profile).toBe('intel-xeon');
  });

  test('a host that matches no profile plans against the site policy alone', async () => {
    const r = await runCli([...planArgs, '--json', '--host', hostFile('rk3588.yaml')], { cwd: root });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ profile: null, bounds: { rails: { vcore_mv: { min: 700, max: 1100 } } } });
  });

  test('--profile none, a forced profile, and an unknown one (exit 2 with the closest name)', async () => {
    const none = await runCli([...planArgs, '--profile', 'none', '--host', hostFile('ampere-altra-q80.json')], { cwd: root });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('profile: none (site policy only)');
    const forced = await runCli([...planArgs, '--json', '--profile', 'generic-x86_64', '--host', xeon], { cwd: root });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ profile: 'generic-x86_64', bounds: { rails: { vcore_mv: { min: 750, max: 1050 } } } });
    const runsBefore = listRuns(root);
    const unknown = await runCli([...planArgs, '--profile', 'intel-xeonn', '--host', xeon], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown profile "intel-xeonn" (--profile); did you mean "intel-xeon"?');
    expect(hasStackTrace(unknown.stderr)).toBe(false);
    expect(listRuns(root)).toEqual(runsBefore);
  });

  test('a saved host file without uname is an input error naming the file', async () => {
    const r = await runCli([...planArgs, '--host', hostFile('no-uname.yaml')], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-uname.yaml:1:1: missing required key "uname" — add `uname: …` here');
    expect(listRuns(root)).toEqual([]);
  });
});

describe('refusals', () => {
  test('an invalid workspace: exit 2, every problem, no stack trace, no run folder', async () => {
    const flow = readFileSync(join(root, 'flows/sample_flow.yaml'), 'utf8').replace('adapter: mem-test', 'adapter: mem-tset');
    writeFileSync(join(root, 'flows/sample_flow.yaml'), flow);
    writeFileSync(join(root, 'margins/sample_margin.yaml'),
      readFileSync(join(root, 'margins/sample_margin.yaml'), 'utf8').replace('step: 25', 'step: -25'));
    const r = await runCli([...planArgs, '--host', xeon], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 problems in the workspace');
    expect(r.stderr).toMatch(/^flows\/sample_flow\.yaml:\d+:\d+: steps\[2\]\.adapter: unknown adapter "mem-tset" — did you mean "mem-test"\?$/m);
    expect(r.stderr).toMatch(/^margins\/sample_margin\.yaml:\d+:\d+: targets\.default\.vcore_mv\.sweep\.step: sweep step -25 goes away from stop \(start 800, stop 1000\); use step 25$/m);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(listRuns(root)).toEqual([]);
  });

  const hugeMargin = [
    'name: huge',
    'targets:',
    '  default:',
    '    vcore_mv: {sweep: {start: 0, stop: 300000000, step: 1}}',
    '',
  ].join('\n');

  test('a 300-million-point sweep is refused by the policy limit, with the count, without expanding it', async () => {
    writeFileSync(join(root, 'margins/huge.yaml'), hugeMargin);
    const started = Date.now();
    // A small heap: expanding the sweep would crash the child instead of the machine.
    const r = await runCli(['plan', '--flow', 'sample_flow', '--margin', 'huge', '--host', xeon], { cwd: root, nodeArgs: ['--max-old-space-size=128'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the sweep has 300,000,001 margin points, more than max_subruns 2000 set by policy/safety.yaml');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(listRuns(root)).toEqual([]);
  });

  test('a 300-million-point sweep is refused even when the policy allows it', async () => {
    writeFileSync(join(root, 'margins/huge.yaml'), hugeMargin);
    const policy = readFileSync(join(root, 'policy/safety.yaml'), 'utf8').replace('max_subruns: 2000', 'max_subruns: 1000000000');
    writeFileSync(join(root, 'policy/safety.yaml'), policy);
    const r = await runCli(['plan', '--flow', 'sample_flow', '--margin', 'huge', '--host', xeon, '--profile', 'none'], { cwd: root, nodeArgs: ['--max-old-space-size=128'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the sweep has 300,000,001 margin points; road_runner plans at most 1,000,000 sub-runs');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(listRuns(root)).toEqual([]);
  });
});
