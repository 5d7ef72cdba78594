// Hardware health per sub-run (SPEC §5.3) end to end through the built CLI: a fake sysfs tree
// (RR_SYSFS_ROOT) with EDAC counters and a fake kernel log (RR_KMSG_FILE), a fixture diagnostic
// that bumps them, and what the run, the records, the report and the exports make of it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createWorkspace, readEvents, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const MCE_LINE = 'mce: [Hardware Error]: Machine check events logged';

interface HealthWorkspace {
  ws: TestWorkspace;
  ce: string;
  ue: string;
  kmsg: string;
}

/** A workspace with a fake EDAC tree (two controllers) and a fake kernel log holding an old machine check. */
function healthWorkspace(opts: { policy?: string; edac?: boolean; kmsg?: boolean } = {}): HealthWorkspace {
  const created = createWorkspace({
    adapters: { bump: { executable: 'bump-health', timeout_s: 30 } },
    flows: { h: { steps: [{ id: 'bump', adapter: 'bump' }] } },
    margins: { two: { global_seed: 3, targets: { default: { vcore_mv: { values: [900, 1000] }, freq_mhz: { fixed: 2000 } } } } },
  });
  const mc = path.join(created.root, 'fake-sys/devices/system/edac/mc');
  if (opts.edac !== false) {
    for (const name of ['mc0', 'mc1']) {
      mkdirSync(path.join(mc, name), { recursive: true });
      writeFileSync(path.join(mc, name, 'ce_count'), name === 'mc1' ? '7\n' : '0\n');
      writeFileSync(path.join(mc, name, 'ue_count'), '0\n');
    }
  }
  const kmsg = path.join(created.root, 'fake-kmsg');
  if (opts.kmsg !== false) writeFileSync(kmsg, `6,1,1000,-;Linux version 6.1\n4,2,2000,-;${MCE_LINE}\n SUBSYSTEM=cpu\n`);
  if (opts.policy) {
    const file = path.join(created.root, 'policy/safety.yaml');
    writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), health: { corrected_errors: opts.policy } }));
  }
  return { ws: created, ce: path.join(mc, 'mc0/ce_count'), ue: path.join(mc, 'mc0/ue_count'), kmsg };
}

/** The bump adapter with these arguments (the fake files are absolute paths inside the workspace). */
function useAdapter(h: HealthWorkspace, args: string[]): void {
  writeFileSync(path.join(h.ws.root, 'adapters/bump.yaml'), stringify({ name: 'bump', executable: 'bump-health', timeout_s: 30, args }));
}

function subrunSummaries(dir: string): Record<string, any>[] {
  const s = readJson(path.join(dir, 'summary.json'));
  return s.subruns.map((x: { id: string }) => readJson(path.join(dir, 'subruns', x.id, 'summary.json')));
}

describe('run: hardware health per sub-run', () => {
  it('a new corrected error makes its sub-run marginal (default policy): summary, event, report, CSV and JUnit, exit 5', async () => {
    const h = healthWorkspace();
    ws = h.ws;
    useAdapter(h, ['below', 'vcore_mv', '950', 'count', h.ce]);
    const r = await ws.run('h', 'two');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(5);
    expect(readFileSync(h.ce, 'utf8').trim()).toBe('1');
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('marginal');
    expect(s.exit_code).toBe(5);
    expect(s.counts).toEqual({ passed: 2, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 });
    expect(s.subrun_counts).toMatchObject({ passed: 1, marginal: 1, failed: 0 });
    expect(s.reason).toMatch(/1 of 2 sub-runs marginal/);
    const low = s.subruns.find((x: any) => x.margins.vcore_mv === 900);
    const high = s.subruns.find((x: any) => x.margins.vcore_mv === 1000);
    expect(low.status).toBe('marginal');
    expect(low.reason).toMatch(/1 new corrected memory error\(s\) \(mc0 \+1\)/);
    expect(high.status).toBe('passed');
    expect(s.health).toMatchObject({ policy: 'marginal', ce_delta: 1, ue_delta: 0, kernel_lines: 0, marginal: 1, failed: 0 });
    expect(s.health.sources.edac.available).toBe(true);
    expect(s.health.sources.kernel_log.available).toBe(true);
    expect(r.stdout).toContain('sub-runs: 1 passed, 1 marginal of 2');
    expect(r.stdout).toContain('health: 1 corrected, 0 uncorrected memory errors; 0 kernel hardware-error line(s)');

    const [lowSub, highSub] = subrunSummaries(dir).sort((a, b) => a.margins.vcore_mv - b.margins.vcore_mv);
    expect(lowSub!.status).toBe('marginal');
    expect(lowSub!.health).toMatchObject({ ce_delta: 1, ue_delta: 0, verdict: 'marginal', controllers: { mc0: { ce: 1, ue: 0 }, mc1: { ce: 0, ue: 0 } } });
    expect(highSub!.health).toMatchObject({ ce_delta: 0, verdict: 'passed', reason: null });
    // The health event comes after the rails are back at nominal.
    const events = readEvents(dir).filter((e) => e.subrun_id === lowSub!.id);
    const kinds = events.map((e) => e.event);
    expect(kinds.indexOf('health')).toBeGreaterThan(kinds.lastIndexOf('margin_restore'));
    expect(events.find((e) => e.event === 'health')).toMatchObject({ ce_delta: 1, verdict: 'marginal', sources: { edac: true, kernel_log: true } });

    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/`M` marginal/);
    // The text shmoo: 900 then 1000 across, M under 900 and P under 1000.
    expect(md).toMatch(/\|\s+900 1000\n-+\+-+\n\s*\|\s+M\s+P\n/);
    expect(md).toContain('| sub-runs | passed 1 · marginal 1 |');
    expect(md).toContain('1 new corrected memory error(s) (mc0 +1)');
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/<g class="shmoo-cell st-marginal" data-state="marginal" data-outcome="marginal" data-subrun="[^"]+">/);
    expect(html).toContain('>M</text>');

    const csv = await ws.cli(['export', 'latest', '--format', 'csv', '--out', '-']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    const cols = header!.split(',');
    expect(cols.slice(0, 15)).toEqual(['run_id', 'subrun_id', 'unit', 'step_index', 'step_id', 'adapter', 'status', 'exit_code', 'duration_ms', 'started_at', 'ended_at', 'seed', 'error', 'stdout_log', 'stderr_log']);
    expect(cols.slice(-4)).toEqual(['subrun_status', 'health_ce_delta', 'health_ue_delta', 'marginal']);
    const byStatus = rows.map((line) => line.split(',').slice(-4).join(',')).sort();
    expect(byStatus).toEqual(['marginal,1,0,false', 'passed,0,0,false']);

    const junit = await ws.cli(['export', 'latest', '--format', 'junit', '--out', '-']);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/<testsuites [^>]*tests="3" failures="0"/);
    expect(junit.stdout).toContain('<property name="subrun_status" value="marginal"/>');
    expect(junit.stdout).toContain('<property name="health_ce_delta" value="1"/>');
    expect(junit.stdout).toMatch(/<testcase classname="h\.health\.vcore_mv=900[^"]*" name="health" time="0.000">\n\s*<system-out>health: 1 new corrected/);

    const list = await ws.cli(['runs', 'list']);
    expect(list.stdout).toMatch(/marginal .*1 sub-run marginal/);
  });

  it('a new uncorrected error fails its sub-run whatever the policy: exit 1, JUnit failure', async () => {
    const h = healthWorkspace({ policy: 'record' });
    ws = h.ws;
    useAdapter(h, ['below', 'vcore_mv', '950', 'count', h.ue]);
    const r = await ws.run('h', 'two');
    expect(r.code).toBe(1);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('failed');
    expect(s.subrun_counts).toMatchObject({ passed: 1, failed: 1, marginal: 0 });
    const low = subrunSummaries(dir).find((x) => x.margins.vcore_mv === 900)!;
    expect(low.status).toBe('failed');
    expect(low.steps[0].status).toBe('passed');
    expect(low.health).toMatchObject({ ue_delta: 1, verdict: 'failed' });
    expect(low.reason).toMatch(/1 new uncorrected memory error\(s\) \(mc0 \+1\)/);
    const junit = await ws.cli(['export', 'latest', '--format', 'junit', '--out', '-']);
    expect(junit.stdout).toMatch(/<testsuites [^>]*tests="3" failures="1"/);
    expect(junit.stdout).toMatch(/name="health" time="0.000">\n\s*<failure type="health" message="health: 1 new uncorrected/);
  });

  it('policy record: a corrected error is recorded and the sub-run passes (exit 0)', async () => {
    const h = healthWorkspace({ policy: 'record' });
    ws = h.ws;
    useAdapter(h, ['count', h.ce]);
    const r = await ws.run('h', 'two');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    expect(readJson(path.join(dir, 'summary.json'))).toMatchObject({ status: 'passed', health: { policy: 'record', ce_delta: 2 } });
    for (const sub of subrunSummaries(dir)) expect(sub).toMatchObject({ status: 'passed', health: { ce_delta: 1, verdict: 'passed', policy: 'record' } });

    // The same sweep under the default policy: both points turn marginal, and diff says so.
    const file = path.join(ws.root, 'policy/safety.yaml');
    const policy = parse(readFileSync(file, 'utf8'));
    delete policy.health;
    writeFileSync(file, stringify(policy));
    const again = await ws.run('h', 'two');
    expect(again.code).toBe(5);
    const [first, second] = ws.runFolders().map((d) => path.basename(d));
    const diff = await ws.cli(['diff', first!, second!]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout.match(/passed → marginal/g)).toHaveLength(2);
  });

  it('policy fail: a corrected error fails the sub-run (exit 1)', async () => {
    const h = healthWorkspace({ policy: 'fail' });
    ws = h.ws;
    useAdapter(h, ['below', 'vcore_mv', '950', 'count', h.ce]);
    const r = await ws.run('h', 'two');
    expect(r.code).toBe(1);
    const s = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(s.status).toBe('failed');
    expect(s.subruns.map((x: any) => x.status).sort()).toEqual(['failed', 'passed']);
    expect(s.subruns.find((x: any) => x.status === 'failed').reason).toMatch(/policy health.corrected_errors: fail/);
  });

  it('a machine-check line logged during a step is recorded in the health event; older lines are not', async () => {
    const h = healthWorkspace();
    ws = h.ws;
    useAdapter(h, ['below', 'vcore_mv', '950', 'kmsg', h.kmsg, MCE_LINE]);
    const r = await ws.run('h', 'two');
    expect(r.code).toBe(5);
    const dir = ws.onlyRun();
    const health = readEvents(dir).filter((e) => e.event === 'health').sort((a, b) => (a.subrun_id < b.subrun_id ? -1 : 1));
    expect(health).toHaveLength(2);
    const low = health.find((e) => e.kernel_lines === 1)!;
    expect(low.lines).toHaveLength(1);
    expect(low.lines[0]).toMatch(/^\[\d+\.\d{6}\] mce: \[Hardware Error\]: Machine check events logged$/);
    expect(low.verdict).toBe('marginal');
    expect(health.find((e) => e !== low)).toMatchObject({ kernel_lines: 0, lines: [], verdict: 'passed' });
  });

  it('no EDAC tree and no kernel log: recorded unavailable, said once, the run unaffected', async () => {
    const h = healthWorkspace({ edac: false, kmsg: false });
    ws = h.ws;
    useAdapter(h, []);
    const r = await ws.run('h', 'two');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/EDAC counters unavailable/g)).toHaveLength(1);
    expect(r.stdout.match(/kernel log unavailable/g)).toHaveLength(1);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('passed');
    expect(s.health).toMatchObject({ ce_delta: null, ue_delta: null, kernel_lines: null, sources: { edac: { available: false }, kernel_log: { available: false } } });
    expect(s.health.sources.edac.detail).toMatch(/no EDAC driver/);
    expect(s.health.sources.kernel_log.detail).toMatch(/does not exist/);
    for (const sub of subrunSummaries(dir)) expect(sub.health).toMatchObject({ ce_delta: null, kernel_lines: null, verdict: 'passed', sources: { edac: false, kernel_log: false } });
    expect(existsSync(path.join(ws.root, 'fake-sys'))).toBe(false);
  });

  it('an unknown key under health in the policy is refused with its file and line', async () => {
    const h = healthWorkspace();
    ws = h.ws;
    const file = path.join(ws.root, 'policy/safety.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}health:\n  corrected_errors: sometimes\n`);
    const r = await ws.run('h', 'two');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/policy\/safety\.yaml:\d+/);
    expect(r.stderr).toMatch(/record|marginal|fail/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
