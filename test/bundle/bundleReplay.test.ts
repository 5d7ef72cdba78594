// `road_runner bundle` and `road_runner replay` (SPEC §12) through the built CLI, on one small
// real run (two margin points, one failing) made once for the file: the bundle checks with the
// real tar and sha256sum, and replays on this host run through the ordinary pipeline, linked to
// the bundle; a plan that differs (a policy tightened since) is refused with the differences
// listed, unless --accept-differences. Also the inputs-only bundle the fleet sends.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInputs } from '../../src/bundle/bundleInputs.js';
import { openBundle } from '../../src/bundle/openBundle.js';
import { loadValidators } from '../../src/config/validate.js';
import { planSweep } from '../../src/plan/planSweep.js';
import { loadHost } from '../../src/workspace/host.js';
import { loadWorkspace } from '../../src/workspace/load.js';
import { CLI, createWorkspace, readJson, type TestWorkspace } from '../run/workspace.js';

const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const hasTools = spawnSync('sha256sum', ['--version']).status === 0 && spawnSync('tar', ['--version']).status === 0;
if (!hasTools && !required) console.warn('skipping the sha256sum/tar checks of bundleReplay.test.ts; REQUIRE_SYSTEM_TOOLS=1 makes this a failure');

let ws: TestWorkspace;
let out: string;
let runId: string;
let runDir: string;
let bundleFile: string;
let payloadSha: string;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const policyFile = () => path.join(ws.root, 'policy/safety.yaml');
const policy = (vcoreMin: number) => stringify({
  bounds: { vcore_mv: { min: vcoreMin, max: 1100 }, freq_mhz: { min: 800, max: 4000 }, vddq_mv: { min: 1100, max: 1300 } },
  limits: { max_subruns: 100, max_step_timeout_s: 3600 },
  require_bounds_for_all_rails: true,
});

beforeAll(async () => {
  // gflops = (vcore_mv - 800) / 4: 875 fails (below min 25), 975 passes.
  ws = createWorkspace({
    adapters: { gflops: { executable: 'gflops-by-vcore', timeout_s: 30, metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' } } } },
    flows: { lim: { steps: [{ id: 'throughput', adapter: 'gflops', limits: { gflops: { min: 25, max: 50 } } }] } },
    margins: { two: { global_seed: 11, targets: { default: { vcore_mv: { values: [875, 975] }, freq_mhz: { fixed: 2000 } } }, jitter: { vcore_mv: { amplitude: 2 } } } },
  });
  writeFileSync(policyFile(), policy(700));
  const r = await ws.run('lim', 'two');
  expect(r.code, r.stderr).toBe(1);
  runDir = ws.onlyRun();
  runId = path.basename(runDir);
  out = mkdtempSync(path.join(ws.root, 'out-'));
  bundleFile = path.join(out, 'run.tar.gz');
  const b = await ws.cli(['bundle', 'latest', '--out', bundleFile]);
  expect(b.code, b.stderr).toBe(0);
  payloadSha = /payload sha256 ([0-9a-f]{64})/.exec(b.stdout)![1]!;
}, 120_000);

afterAll(() => ws?.dispose());

/** Extracts with the real tar into a fresh folder and returns the bag folder. */
function untar(file: string): string {
  const dir = mkdtempSync(path.join(out, 'x-'));
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  const [bag] = readdirSync(dir);
  return path.join(dir, bag!);
}

function files(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    return d.isDirectory() ? files(dir, r) : [r];
  });
}

describe('bundle', () => {
  it.skipIf(!hasTools && !required)('is a BagIt bag that tar and sha256sum -c check with no road_runner at hand; logs only with --with-logs', async () => {
    expect(hasTools, 'REQUIRE_SYSTEM_TOOLS=1 but tar or sha256sum is missing').toBe(true);
    const bag = untar(bundleFile);
    expect(path.basename(bag)).toBe(runId);
    for (const m of ['manifest-sha256.txt', 'tagmanifest-sha256.txt']) {
      const check = spawnSync('sha256sum', ['--strict', '-c', m], { cwd: bag, encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
    expect(readFileSync(path.join(bag, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    const payload = files(bag, 'data');
    const info = readFileSync(path.join(bag, 'bag-info.txt'), 'utf8');
    const bytes = payload.reduce((n, f) => n + statSync(path.join(bag, f)).size, 0);
    expect(info).toContain(`Payload-Oxum: ${bytes}.${payload.length}\n`);
    for (const line of [`Road-Runner-Run-Id: ${runId}`, 'Road-Runner-Unit: SN1', 'Road-Runner-Flow: lim', 'Road-Runner-Margin: two', 'Road-Runner-Bundle: run']) expect(info).toContain(`${line}\n`);
    for (const f of ['plan.json', 'summary.json', 'sysinfo.json', 'boundary.json', 'report.md', 'report.html', 'executables.json', 'inputs/.manifest.json', 'inputs/flows/lim.yaml', 'inputs/margins/two.yaml', 'inputs/policy/safety.yaml']) {
      expect(payload).toContain(`data/${f}`);
    }
    expect(payload.filter((f) => /\/(stdout|stderr)\//.test(f))).toEqual([]);
    expect(payload).toContain(`data/subruns/${runId}-s00/steps.ldjson`);
    // The bundled records are the run's bytes.
    expect(sha256(path.join(bag, 'data/summary.json'))).toBe(sha256(path.join(runDir, 'summary.json')));
    const exe = readJson(path.join(bag, 'data/executables.json'));
    expect(exe.adapters.gflops.sha256).toBe(sha256(path.join(ws.root, 'diags/gflops-by-vcore')));

    const withLogs = path.join(out, 'logs.tar.gz');
    const r = await ws.cli(['bundle', runId, '--with-logs', '--out', withLogs]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('4 log file(s)');
    const logBag = untar(withLogs);
    const check = spawnSync('sha256sum', ['--strict', '-c', 'manifest-sha256.txt'], { cwd: logBag, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const logs = files(logBag, 'data').filter((f) => /\/(stdout|stderr)\//.test(f));
    expect(logs).toEqual([
      `data/subruns/${runId}-s00/stderr/00_throughput.log`, `data/subruns/${runId}-s00/stdout/00_throughput.log`,
      `data/subruns/${runId}-s01/stderr/00_throughput.log`, `data/subruns/${runId}-s01/stdout/00_throughput.log`,
    ]);
    expect(readFileSync(path.join(logBag, logs[1]!), 'utf8')).toContain('gflops=');
  });

  it('--out - streams the same bag to stdout; --out never writes through a symlink or onto a folder', async () => {
    const piped = path.join(out, 'piped.tar.gz');
    const fd = openSync(piped, 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, 'bundle', runId, '--out', '-', '--root', ws.root], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`payload sha256 ${payloadSha}`);
    } finally {
      closeSync(fd);
    }
    const b = await openBundle(piped);
    try {
      expect(b.payloadSha256).toBe(payloadSha);
    } finally {
      b.cleanup();
    }
    const victim = path.join(out, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const link = path.join(out, 'link.tar.gz');
    symlinkSync(victim, link);
    const viaLink = await ws.cli(['bundle', runId, '--out', link]);
    expect(viaLink.code).toBe(2);
    expect(viaLink.stderr).toContain(`--out ${link} is a symlink`);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    const folder = await ws.cli(['bundle', runId, '--out', out]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('is a folder');
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const none = await ws.cli(['bundle', 'rr-20200101T000000Z-000000', '--out', path.join(out, 'x.tar.gz')]);
    expect(none.code).toBe(2);
  });
});

describe('replay', () => {
  const newRuns = (before: string[]) => ws.runFolders().filter((d) => !before.includes(d));

  it('on the same host: the same plan, run through the pipeline, linked to the bundle; rails back at nominal', async () => {
    const before = ws.runFolders();
    const r = await ws.cli(['replay', bundleFile, '--unit', 'SN2', '--yes']);
    expect(r.code, r.stderr).toBe(1); // 875 fails again
    expect(r.stdout).toContain('the plan made here equals the bundled plan');
    expect(r.stderr).not.toContain('executable differs');
    const [dir] = newRuns(before);
    const plan = readJson(path.join(dir!, 'plan.json'));
    const summary = readJson(path.join(dir!, 'summary.json'));
    const link = { bundle: 'run.tar.gz', run_id: runId, payload_sha256: payloadSha, only: null, accepted_differences: 0 };
    expect(plan.replay_of).toEqual(link);
    expect(summary.replay_of).toEqual(link);
    expect(summary.unit).toBe('SN2');
    const old = readJson(path.join(runDir, 'plan.json'));
    expect(plan.subruns.map((s: any) => [s.seed, s.margins])).toEqual(old.subruns.map((s: any) => [s.seed, s.margins]));
    expect(summary.subruns.map((s: any) => s.status)).toEqual(['failed', 'passed']);
    // The new run recorded what it planned with: the bundle's flow, this host's policy.
    expect(sha256(path.join(dir!, 'inputs/flows/lim.yaml'))).toBe(sha256(path.join(runDir, 'inputs/flows/lim.yaml')));
    expect(sha256(path.join(dir!, 'inputs/policy/safety.yaml'))).toBe(sha256(policyFile()));
    expect(ws.railState('vcore_mv')).toBe(1000);
    // A replayed run is a run like any other: rerun plans from its inputs/, and its own bundle replays (the link is not a difference).
    const rerun = await ws.cli(['rerun', path.basename(dir!), '--only', 'failed', '--yes', '--dry-run']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const again = path.join(out, 'again.tar.gz');
    expect((await ws.cli(['bundle', path.basename(dir!), '--out', again])).code).toBe(0);
    const twice = await ws.cli(['replay', again, '--unit', 'SN2', '--yes', '--dry-run']);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('the plan made here equals the bundled plan');
  });

  it('--only failed runs just the failed point with its bundled seed; an executable that differs here is reported, not refused', async () => {
    appendFileSync(path.join(ws.root, 'diags/gflops-by-vcore'), '\n# changed on this host\n');
    const before = ws.runFolders();
    const r = await ws.cli(['replay', bundleFile, '--unit', 'SN2', '--only', 'failed', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/warning: executable differs: adapter gflops: .*gflops-by-vcore here has sha256 [0-9a-f]{12}…, the bundle's .* had [0-9a-f]{12}…/);
    const [dir] = newRuns(before);
    const plan = readJson(path.join(dir!, 'plan.json'));
    const old = readJson(path.join(runDir, 'plan.json'));
    expect(plan.subruns).toHaveLength(1);
    expect(plan.subruns[0].point.vcore_mv).toBe(875);
    expect(plan.subruns[0].seed).toBe(old.subruns[0].seed);
    expect(plan.replay_of.only).toEqual(['failed']);
  });

  it('a policy tightened since: refused with the differences listed, nothing touched; --accept-differences runs under the tighter bounds', async () => {
    writeFileSync(policyFile(), policy(850));
    try {
      const before = ws.runFolders();
      const history = ws.railHistory('vcore_mv').length;
      const refused = await ws.cli(['replay', bundleFile, '--unit', 'SN2', '--yes']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('the plan made on this host differs from the bundled one:');
      expect(refused.stderr).toMatch(/bounds\.rails\.vcore_mv\.min: bundle 700, here 850/);
      expect(refused.stderr).toMatch(/inputs\[\d+\]\.sha256: bundle "[0-9a-f]{64}", here "[0-9a-f]{64}"/);
      expect(refused.stderr).toContain('replay refused: the plan made here differs from the one in run.tar.gz');
      expect(newRuns(before)).toEqual([]);
      expect(ws.railHistory('vcore_mv')).toHaveLength(history);

      const accepted = await ws.cli(['replay', bundleFile, '--unit', 'SN2', '--only', 'failed', '--yes', '--accept-differences']);
      expect(accepted.code, accepted.stderr).toBe(1);
      expect(accepted.stderr).toContain('(accepted with --accept-differences)');
      const [dir] = newRuns(before);
      const plan = readJson(path.join(dir!, 'plan.json'));
      expect(plan.replay_of.accepted_differences).toBeGreaterThanOrEqual(2);
      expect(plan.bounds.rails.vcore_mv.min).toBe(850);
    } finally {
      writeFileSync(policyFile(), policy(700));
    }
  });

  it('bounds that forbid a bundled value: exit 3 even with --accept-differences, nothing touched', async () => {
    writeFileSync(policyFile(), policy(900));
    try {
      const before = ws.runFolders();
      const history = ws.railHistory('vcore_mv').length;
      const r = await ws.cli(['replay', bundleFile, '--unit', 'SN2', '--yes', '--accept-differences']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/vcore_mv/);
      expect(newRuns(before)).toEqual([]);
      expect(ws.railHistory('vcore_mv')).toHaveLength(history);
    } finally {
      writeFileSync(policyFile(), policy(700));
    }
  });

  it('an inputs-only bundle (what the fleet sends) opens, replays on the host, and has no outcomes for --only', async () => {
    const validators = await loadValidators();
    const workspace = loadWorkspace(validators, ws.root, { flows: [path.join(ws.root, 'flows/lim.yaml')], margins: [path.join(ws.root, 'margins/two.yaml')], envPath: process.env.PATH ?? '' });
    expect(workspace.problems).toEqual([]);
    const host = await loadHost(validators, ws.root, ws.hostFile, ws.root);
    const { plan } = planSweep({
      workspace, flow: workspace.flows[0]!, margin: workspace.margins[0]!, host: host.facts,
      runId: 'rr-20260102T030405Z-0a0b0c', createdAt: '2026-01-02T03:04:05.000Z', randomSeed: () => 1,
    });
    const made = await bundleInputs({ root: ws.root, plan, workspace, envPath: process.env.PATH ?? '', now: new Date(), unit: 'SN3' });
    const file = path.join(out, 'inputs.tar.gz');
    writeFileSync(file, made.tarGz);
    const b = await openBundle(file);
    try {
      expect(b.info).toMatchObject({ kind: 'inputs', run_id: plan.run_id, unit: 'SN3', flow: 'lim', margin: 'two' });
      expect(b.payloadSha256).toBe(made.payload_sha256);
      expect(readJson(b.planPath)).toEqual(JSON.parse(JSON.stringify(plan)));
      expect(existsSync(path.join(b.inputsDir, 'margins/two.yaml'))).toBe(true);
      expect(readJson(path.join(b.dataDir, 'executables.json')).adapters.gflops.sha256).toBe(sha256(path.join(ws.root, 'diags/gflops-by-vcore')));
    } finally {
      b.cleanup();
    }
    const only = await ws.cli(['replay', file, '--unit', 'SN3', '--only', 'failed', '--yes']);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('is a bundle of inputs only');
    const before = ws.runFolders();
    // --dry-run: through the pipeline (plan, sysinfo, summaries) without launching anything.
    const r = await ws.cli(['replay', file, '--unit', 'SN3', '--yes', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('the plan made here equals the bundled plan');
    const [dir] = newRuns(before);
    expect(readJson(path.join(dir!, 'plan.json')).subruns.map((s: any) => s.point.vcore_mv)).toEqual([875, 975]);
    expect(readJson(path.join(dir!, 'summary.json')).replay_of).toMatchObject({ bundle: 'inputs.tar.gz', run_id: plan.run_id, payload_sha256: made.payload_sha256 });
  });
});
