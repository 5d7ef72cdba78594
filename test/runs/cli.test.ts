// End to end over real runs: a temp copy of the sample workspace, three runs made with the
// built CLI (the sample sweep twice, and a small "hot corner" sweep sharing 3 of its points),
// then the run-maintenance modules and commands on those records.
// Needs `npm run build` first. The command tests skip until clean/runs/diff are registered in
// src/cli/main.ts (RR_TEST_CLI may point at another entry point).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../src/runs/catalog.js';
import { diffRuns } from '../../src/runs/diff.js';

const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const cli = process.env.RR_TEST_CLI ? resolve(process.env.RR_TEST_CLI) : join(repoRoot, 'dist/cli/main.js');
const hostFile = join(repoRoot, 'test/fixtures/hosts/xeon-gold-6338.yaml');

const HOT_CORNER = `name: hot_corner
description: The top-right corner of the sample shmoo and one frequency beyond it.
global_seed: 7
combine: grid
targets:
  default:
    vcore_mv: {sweep: {start: 875, stop: 925, step: 25}}
    freq_mhz: {values: [2800, 3200]}
  mem-test:
    vddq_mv: {fixed: 1200}
`;

function runCli(ws: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, '--root', ws, '--host', hostFile, ...args], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function commandsRegistered(): boolean {
  if (!existsSync(cli)) return false;
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  return ['clean', 'runs', 'diff'].every((c) => new RegExp(`road_runner ${c}\\b`).test(help));
}

let ws: string;
let runA: string;
let runA2: string;
let runHot: string;

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'rr-runs-cli-'));
  for (const dir of ['adapters', 'diags', 'flows', 'margins', 'policy', 'templates']) cpSync(join(repoRoot, dir), join(ws, dir), { recursive: true });
  mkdirSync(join(ws, 'runs'));
  writeFileSync(join(ws, 'margins', 'hot_corner.yaml'), HOT_CORNER);
  const made: string[] = [];
  for (const [margin, unit] of [['sample_margin', 'SN1'], ['sample_margin', 'SN2'], ['hot_corner', 'SN3']] as const) {
    const r = runCli(ws, ['run', '--flow', 'flows/sample_flow.yaml', '--margin', `margins/${margin}.yaml`, '--unit', unit, '--yes']);
    if (r.code !== 0 && r.code !== 1) throw new Error(`run failed (${r.code}): ${r.err}${r.out}`);
    const fresh = readdirSync(join(ws, 'runs')).filter((n) => n.startsWith('rr-') && !made.includes(n));
    if (fresh.length !== 1) throw new Error(`expected one new run, found ${fresh.join(', ')}`);
    made.push(fresh[0]!);
  }
  [runA, runA2, runHot] = made as [string, string, string];
}, 240_000);

afterAll(() => {
  if (ws) rmSync(ws, { recursive: true, force: true });
});

describe('over real runs', () => {
  it('the sample run\'s JUnit holds all 108 planned steps, skipped ones included, with classnames equal across runs and stderr tails', () => {
    const cases = (id: string) => {
      const r = runCli(ws, ['export', '--run', id, '--format', 'junit', '--out', '-']);
      expect(r.code, r.err).toBe(0);
      return [...r.out.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g)]
        .map((m) => ({ key: `${m[1]}#${m[2]}`, body: m[3]! }));
    };
    const a = cases(runA);
    const a2 = cases(runA2);
    expect(a).toHaveLength(27 * 4);
    expect(a.map((c) => c.key)).toEqual(a2.map((c) => c.key));
    expect(new Set(a.map((c) => c.key)).size).toBe(108);
    expect(a[0]!.key).toBe('sample_flow.smoke.vcore_mv=800.freq_mhz=2000#00_smoke');
    const skipped = a.filter((c) => c.body.includes('<skipped'));
    const counts = listRuns(ws).find((r) => r.id === runA)!.counts!;
    expect(skipped.length).toBe(counts.skipped);
    expect(skipped.length).toBeGreaterThan(0);
    const failed = a.filter((c) => c.body.includes('<failure'));
    expect(failed.length).toBe(counts.failed);
    expect(failed.every((c) => /<system-out>[^<]+<\/system-out>/.test(c.body))).toBe(true);
  });

  it('lists the runs newest first with their records', () => {
    const rows = listRuns(ws);
    expect(rows.map((r) => r.id)).toEqual([runHot, runA2, runA]);
    expect(rows.map((r) => r.unit)).toEqual(['SN3', 'SN2', 'SN1']);
    expect(rows[2]).toMatchObject({ flow: 'sample_flow', margin: 'sample_margin', status: 'failed', start_source: 'summary', notes: [] });
    expect(rows[2]!.counts!.passed + rows[2]!.counts!.failed + rows[2]!.counts!.skipped).toBe(27 * 4);
  });

  it('finds nothing changed between two runs of the same sweep and seed', async () => {
    const d = await diffRuns(ws, runA, runA2);
    expect(d.matched_points).toBe(27);
    expect(d.changed_points).toEqual([]);
    expect(d.step_changes).toEqual([]);
    expect(d.unchanged).toEqual({ count: 27, by_status: { passed: 18, failed: 9 } });
    expect(d.metric_summary.length).toBeGreaterThan(0);
    expect(d.metric_summary.every((m) => m.compared > 0)).toBe(true);
    expect(d.warnings).toEqual([]);
  });

  it('compares a different sweep on the points it shares', async () => {
    const d = await diffRuns(ws, runA, runHot);
    expect(d.same_sweep).toBe(false);
    expect(d.matched_points).toBe(3);
    expect(d.only_in_a).toHaveLength(24);
    expect(d.only_in_b.map((p) => p.point)).toEqual(['vcore_mv 875, freq_mhz 3200', 'vcore_mv 900, freq_mhz 3200', 'vcore_mv 925, freq_mhz 3200']);
  });
});

describe.skipIf(!commandsRegistered())('the commands', () => {
  it('runs list prints a table and --json the rows', () => {
    const text = runCli(ws, ['runs', 'list']);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toMatch(/^RUN\s+STARTED\s+UNIT\s+FLOW\s+MARGIN\s+STATUS/);
    expect(text.out).toMatch(new RegExp(`${runA}\\s+\\S+ \\S+\\s+SN1\\s+sample_flow\\s+sample_margin\\s+failed\\s+72 passed, 9 failed, 27 skipped`));
    const json = runCli(ws, ['runs', 'list', '--json']);
    expect((JSON.parse(json.out) as { id: string }[]).map((r) => r.id)).toEqual([runHot, runA2, runA]);
  });

  it('runs show prints the summary and sub-runs; an unknown id exits 2 naming the closest', () => {
    const show = runCli(ws, ['runs', 'show', runA]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`run ${runA}: failed`);
    expect(show.out).toMatch(/-s26\s+vcore_mv 1000, freq_mhz 2800\s+passed\s+4 passed/);
    const typo = `${runA.slice(0, -1)}${runA.endsWith('0') ? '1' : '0'}`;
    const bad = runCli(ws, ['runs', 'show', typo]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(typo);
    expect(bad.err).toContain(`closest known run id is ${runA}`);
    expect(runCli(ws, ['runs', 'show']).code).toBe(2);
  });

  it('diff exits 0 with a one-line summary; unknown ids exit 2', () => {
    const same = runCli(ws, ['diff', runA, runA2]);
    expect(same.code).toBe(0);
    expect(same.out).toContain('27 points unchanged (18 passed, 9 failed)');
    const json = runCli(ws, ['diff', runA, runHot, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ matched_points: 3, same_sweep: false });
    const bad = runCli(ws, ['diff', runA, 'rr-nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"rr-nope" is not a run id');
  });

  it('clean refuses bad ages, dry-runs, and never removes the locked run', () => {
    for (const age of ['abc', '-1', '1d']) {
      const r = runCli(ws, ['clean', '--older-than', age]);
      expect(r.code, age).toBe(2);
      expect(r.err).toContain('--older-than must be a non-negative number of days');
    }
    const dry = runCli(ws, ['clean', '--older-than', '0', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`would remove ${runA}`);
    expect(dry.out).toMatch(/dry run: 3 runs would go, freeing \d+ bytes \(.+iB\); nothing was removed/);
    expect(readdirSync(join(ws, 'runs')).filter((n) => n.startsWith('rr-'))).toHaveLength(3);
    mkdirSync(join(ws, 'runs', '.lock'));
    writeFileSync(join(ws, 'runs', '.lock-owner.json'), JSON.stringify({ run_id: runA2, pid: process.pid, hostname: hostname(), started_at: new Date().toISOString(), pid_start_time: null }));
    const real = runCli(ws, ['clean', '--older-than', '0']);
    expect(real.code).toBe(0);
    expect(real.out).toContain(`removed ${runA}`);
    expect(real.out).toContain(`kept ${runA2}`);
    expect(real.out).toMatch(/2 runs removed, \d+ bytes \(.+\) freed/);
    expect(readdirSync(join(ws, 'runs')).filter((n) => n.startsWith('rr-'))).toEqual([runA2]);
    expect(existsSync(join(ws, 'runs', '.sim-rails'))).toBe(true);
  });
});
