// The shipped real actuators (SPEC §3.1, §8) driven by real road_runner processes against
// fakes only: diags/cpufreq-rail on a fake sysfs tree (RR_SYSFS_ROOT) and diags/pmbus-rail on
// fake i2cget/i2cset keeping registers in files. The manifests are the shipped ones from
// adapters/available/, so what is tested is what a user switches on.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildFakeSysfs, type FakeSysfs } from '../fixtures/rails/fakeSysfs.js';
import {
  createWorkspace, groupMembers, killGroupQuietly, readEvents, readJson, REPO, subrunFolders, waitFor, waitForDiagnosticGroup, waitForStepStart,
  type TestWorkspace,
} from './workspace.js';

let ws: TestWorkspace | undefined;
const temps: string[] = [];
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

const shipped = (file: string) => parse(readFileSync(path.join(REPO, 'adapters/available', file), 'utf8')) as Record<string, unknown>;
const script = (name: string) => readFileSync(path.join(REPO, 'diags', name), 'utf8');
const INITIAL = [
  { governor: 'schedutil', minKhz: 1200000, maxKhz: 2400000 },
  { governor: 'ondemand', minKhz: 1000000, maxKhz: 2400000 },
  { governor: 'schedutil', minKhz: 1200000, maxKhz: 2400000 },
];

/** Every stdout log of every sub-run of a run, in order. */
function stdoutLogs(runDir: string): string[] {
  return subrunFolders(runDir).flatMap((s) => {
    const d = path.join(s, 'stdout');
    return existsSync(d) ? readdirSync(d).sort().map((f) => readFileSync(path.join(d, f), 'utf8')) : [];
  });
}

/** A workspace whose freq_mhz rail is the shipped cpufreq actuator on a fake sysfs tree. */
function cpufreqWorkspace(driver: 'acpi-cpufreq' | 'intel_pstate', margins: Record<string, unknown>, flowSteps: unknown[]): { w: TestWorkspace; sys: FakeSysfs; env: Record<string, string> } {
  const root = temp('rr-sysfs-');
  const sys = buildFakeSysfs(root, { policies: INITIAL.map((p) => ({ ...p })), driver });
  const base = path.join(root, 'devices/system/cpu/cpufreq');
  const w = createWorkspace({
    adapters: { freq: shipped('cpufreq.yaml'), 'show-freq': { executable: 'show-freq', timeout_s: 30 } },
    scripts: {
      'cpufreq-rail': script('cpufreq-rail'),
      // A diagnostic that shows what the hardware is set to while it runs.
      'show-freq': `#!/bin/sh\nfor p in ${base}/policy*; do echo "$(basename $p) $(cat $p/scaling_governor) $(cat $p/scaling_max_freq)"; done\n`,
    },
    flows: { f: { steps: flowSteps } },
    margins,
  });
  return { w, sys, env: { RR_SYSFS_ROOT: root } };
}

describe('cpufreq-rail through road_runner', () => {
  for (const driver of ['acpi-cpufreq', 'intel_pstate'] as const) {
    it(`a freq_mhz sweep sets every policy's limit in kHz, reads it back, and puts governors and limits back (${driver})`, async () => {
      const margins = { sweep: { global_seed: 1, targets: { default: { freq_mhz: { values: [1800, 2000] } } } } };
      const { w, sys, env } = cpufreqWorkspace(driver, margins, [{ id: 'show', adapter: 'show-freq' }]);
      ws = w;
      const r = await w.run('f', 'sweep', [], { env });
      expect(r.stderr).not.toMatch(/error|WARNING/i);
      expect(r.code).toBe(0);
      const dir = w.onlyRun();
      // While each step ran, every policy was at the sub-run's value, under the performance governor.
      expect(stdoutLogs(dir)).toEqual([
        'policy0 performance 1800000\npolicy1 performance 1800000\npolicy2 performance 1800000\n',
        'policy0 performance 2000000\npolicy1 performance 2000000\npolicy2 performance 2000000\n',
      ]);
      const events = readEvents(dir);
      expect(events.filter((e) => e.event === 'margin_nominal')).toMatchObject([{ rail: 'freq_mhz', adapter: 'cpufreq', value: 2400, source: 'read' }]);
      expect(events.filter((e) => e.event === 'margin_set').map((e) => [e.requested, e.read_back, e.ok])).toEqual([[1800, 1800, true], [2000, 2000, true]]);
      expect(events.filter((e) => e.event === 'margin_restore').map((e) => [e.requested, e.read_back, e.ok])).toEqual([[2400, 2400, true], [2400, 2400, true]]);
      // Back as found: each policy's own governor and min, not just the max.
      expect(sys.snapshot()).toEqual(INITIAL);
      expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(false);
      expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
    });
  }

  it('kill -9 of road_runner mid-run, then `recover`: governors and limits are back as found', async () => {
    const margins = { one: { global_seed: 1, targets: { default: { freq_mhz: { fixed: 1500 } } } } };
    const { w, sys, env } = cpufreqWorkspace('acpi-cpufreq', margins, [{ id: 'show', adapter: 'show-freq' }, { id: 'stuck', adapter: 'hang' }]);
    ws = w;
    const p = w.startRun('f', 'one', ['--grace', '1'], { env });
    await waitForStepStart(w, 'stuck');
    const pgid = await waitForDiagnosticGroup(w);
    leftovers.push(pgid);
    p.child.kill('SIGKILL');
    expect((await p.done).signal).toBe('SIGKILL');
    // What the crash left: margined policies, the actuator's saved state, the journal with the nominal read.
    expect(sys.snapshot().map((s) => [s.governor, s.maxKhz])).toEqual([['performance', 1500000], ['performance', 1500000], ['performance', 1500000]]);
    expect(readJson(path.join(w.runs, '.journal.json')).rails).toEqual({ freq_mhz: { nominal: 2400, adapter: 'cpufreq' } });
    expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(true);

    const r = await w.cli(['recover'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/freq_mhz: restored to nominal with \S+inputs\/adapters\/freq.yaml, read back 2400/);
    expect(sys.snapshot()).toEqual(INITIAL);
    expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(false);
    expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('a preflight failure refuses the run before any rail: exit 4, the actuator\'s message, no journal, nothing changed', async () => {
    const margins = { one: { global_seed: 1, targets: { default: { freq_mhz: { fixed: 1500 }, vcore_mv: { fixed: 950 } } } } };
    const { w, sys, env } = cpufreqWorkspace('acpi-cpufreq', margins, [{ id: 'show', adapter: 'show-freq' }]);
    ws = w;
    rmSync(path.join(sys.policyDir(1), 'cpuinfo_max_freq'));
    const r = await w.run('f', 'one', [], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/aborted before touching any rail: preflight of freq_mhz failed: cpufreq .*cpufreq-rail: policy1: cpuinfo_max_freq is missing or unreadable/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
    expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(false);
    expect(sys.snapshot()).toEqual(INITIAL);
    // The other rail (the simulated vcore) was not touched either.
    expect(w.railHistory('vcore_mv')).toEqual([]);
    const s = readJson(path.join(w.onlyRun(), 'summary.json'));
    expect(s.status).toBe('aborted');
    expect(s.reason).toMatch(/preflight of freq_mhz failed.*nothing was changed/);
    expect(readEvents(w.onlyRun()).filter((e) => e.event === 'margin_set')).toEqual([]);
  });

  it('policies that disagree refuse `nominal: read`: nothing is touched', async () => {
    const margins = { one: { global_seed: 1, targets: { default: { freq_mhz: { fixed: 1500 } } } } };
    const { w, sys, env } = cpufreqWorkspace('acpi-cpufreq', margins, [{ id: 'show', adapter: 'show-freq' }]);
    ws = w;
    sys.write(2, 'scaling_max_freq', '2200000');
    const r = await w.run('f', 'one', [], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/nominal of freq_mhz could not be read: .*policies disagree: policy0 scaling_max_freq 2400000 kHz, policy2 2200000 kHz/);
    expect(sys.snapshot().map((s) => s.governor)).toEqual(['schedutil', 'ondemand', 'schedutil']);
    expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(false);
  });
});

/** Fake i2c-tools: bin/i2cget and bin/i2cset (links to one script) and a register folder with one PMBus device. */
function fakeI2c(opts: { voutMode: string; voutCommand: string; pages?: boolean }): { env: Record<string, string>; bin: string; dev: string } {
  const root = temp('rr-i2c-');
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  for (const tool of ['i2cget', 'i2cset']) symlinkSync(path.join(REPO, 'test/fixtures/rails/fake-i2c'), path.join(bin, tool));
  const dev = path.join(root, 'regs/i2c-3/0x40');
  const regs = opts.pages ? path.join(dev, 'p1') : dev;
  mkdirSync(regs, { recursive: true });
  if (opts.pages) {
    mkdirSync(path.join(dev, 'p0'));
    writeFileSync(path.join(dev, 'page'), '0\n');
  }
  writeFileSync(path.join(regs, '0x20'), `${opts.voutMode}\n`);
  writeFileSync(path.join(regs, '0x21'), `${opts.voutCommand}\n`);
  return { env: { RR_FAKE_I2C_DIR: path.join(root, 'regs'), RR_I2CGET: path.join(bin, 'i2cget'), RR_I2CSET: path.join(bin, 'i2cset') }, bin, dev: regs };
}

function pmbusWorkspace(i2c: ReturnType<typeof fakeI2c>, margins: Record<string, unknown>, flowSteps: unknown[], manifest: Record<string, unknown> = shipped('pmbus-vcore.yaml')): TestWorkspace {
  return createWorkspace({
    adapters: { vcore: manifest, 'show-vout': { executable: 'show-vout', timeout_s: 30 } },
    scripts: {
      'pmbus-rail': script('pmbus-rail'),
      'show-vout': `#!/bin/sh\necho "VOUT_COMMAND $(cat ${i2c.dev}/0x21)"\n`,
    },
    flows: { f: { steps: flowSteps } },
    margins,
  });
}

describe('pmbus-rail through road_runner', () => {
  it('a vcore_mv sweep writes VOUT_COMMAND in linear format, reads READ_VOUT back, and restores the word found', async () => {
    // VOUT_MODE 0x17: linear, exponent -9; 0x0200 = 512 * 2^-9 V = 1000 mV.
    const i2c = fakeI2c({ voutMode: '0x17', voutCommand: '0x0200' });
    ws = pmbusWorkspace(i2c, { sweep: { global_seed: 1, targets: { default: { vcore_mv: { values: [900, 950] } } } } }, [{ id: 'show', adapter: 'show-vout' }]);
    const r = await ws.run('f', 'sweep', [], { env: i2c.env });
    expect(r.stderr).not.toMatch(/error|WARNING/i);
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    // round(0.900 * 512) = 461 = 0x01cd; round(0.950 * 512) = 486 = 0x01e6.
    expect(stdoutLogs(dir)).toEqual(['VOUT_COMMAND 0x01cd\n', 'VOUT_COMMAND 0x01e6\n']);
    const events = readEvents(dir);
    expect(events.filter((e) => e.event === 'margin_nominal').map((e) => e.value)).toEqual([1000]);
    expect(events.filter((e) => e.event === 'margin_set').map((e) => [e.requested, e.read_back, e.ok])).toEqual([[900, 900.391, true], [950, 949.219, true]]);
    expect(readFileSync(path.join(i2c.dev, '0x21'), 'utf8').trim()).toBe('0x0200');
    const calls = readFileSync(path.join(i2c.env.RR_FAKE_I2C_DIR!, 'calls.log'), 'utf8');
    expect(calls).toMatch(/^i2cset -y 3 0x40 0x21 0x01cd w$/m);
    expect(calls).toMatch(/^i2cget -y 3 0x40 0x8b w$/m);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });

  it('kill -9 mid-run, then `recover`: VOUT_COMMAND is back to the word found (paged regulator)', async () => {
    const i2c = fakeI2c({ voutMode: '0x17', voutCommand: '0x0203', pages: true });
    const paged = (argv: string[]) => [...argv, '--page', '1'];
    const m = shipped('pmbus-vcore.yaml');
    const manifest = { ...m, set: paged(m.set as string[]), get: paged(m.get as string[]), preflight: paged(m.preflight as string[]) };
    ws = pmbusWorkspace(i2c, { one: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 900 } } } } }, [{ id: 'stuck', adapter: 'hang' }], manifest);
    const p = ws.startRun('f', 'one', ['--grace', '1'], { env: i2c.env });
    await waitForStepStart(ws, 'stuck');
    const pgid = await waitForDiagnosticGroup(ws);
    leftovers.push(pgid);
    p.child.kill('SIGKILL');
    await p.done;
    expect(readFileSync(path.join(i2c.dev, '0x21'), 'utf8').trim()).toBe('0x01cd');
    // 0x0203 = 515 * 2^-9 V = 1005.859 mV: the nominal read is journalled as it was read.
    expect(readJson(path.join(ws.runs, '.journal.json')).rails).toEqual({ vcore_mv: { nominal: 1005.859, adapter: 'pmbus-vcore' } });
    const r = await ws.cli(['recover'], { env: i2c.env });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(i2c.dev, '0x21'), 'utf8').trim()).toBe('0x0203');
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });

  it('a regulator not in linear mode is refused by preflight: exit 4, the actuator\'s message, nothing written', async () => {
    const i2c = fakeI2c({ voutMode: '0x40', voutCommand: '0x0200' });
    ws = pmbusWorkspace(i2c, { one: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 900 } } } } }, [{ id: 'show', adapter: 'show-vout' }]);
    const r = await ws.run('f', 'one', [], { env: i2c.env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/preflight of vcore_mv failed: .*VOUT_MODE is 0x40: direct mode \(bits 7:5 = 2\), not linear/);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
    expect(readFileSync(path.join(i2c.env.RR_FAKE_I2C_DIR!, 'calls.log'), 'utf8')).not.toMatch(/i2cset/);
  });

  it('a device that does not answer is refused by preflight with i2cget\'s own error', async () => {
    const i2c = fakeI2c({ voutMode: '0x17', voutCommand: '0x0200' });
    const m = shipped('pmbus-vcore.yaml');
    const at41 = (argv: string[]) => argv.map((a) => (a === '0x40' ? '0x41' : a));
    ws = pmbusWorkspace(i2c, { one: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 900 } } } } }, [{ id: 'show', adapter: 'show-vout' }],
      { ...m, set: at41(m.set as string[]), get: at41(m.get as string[]), preflight: at41(m.preflight as string[]) });
    const r = await ws.run('f', 'one', [], { env: i2c.env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/i2cget -y 3 0x41 0x20 b failed: Error: Read failed/);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });

  it('a nominal read outside the bounds refuses the run: nothing is touched', async () => {
    // 0x0266 = 614 * 2^-9 V = 1199.219 mV, above the policy's max of 1100.
    const i2c = fakeI2c({ voutMode: '0x17', voutCommand: '0x0266' });
    ws = pmbusWorkspace(i2c, { one: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 900 } } } } }, [{ id: 'show', adapter: 'show-vout' }]);
    const r = await ws.run('f', 'one', [], { env: i2c.env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/nominal of vcore_mv read from the hardware is 1199.219, outside the bounds: .*above max 1100/);
    expect(readFileSync(path.join(i2c.dev, '0x21'), 'utf8').trim()).toBe('0x0266');
    expect(readFileSync(path.join(i2c.env.RR_FAKE_I2C_DIR!, 'calls.log'), 'utf8')).not.toMatch(/i2cset/);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });
});

describe('cpufreq-rail: the other ways out of a run', () => {
  it('Ctrl-C mid-step: the run is interrupted and governors and limits are back as found', async () => {
    const margins = { one: { global_seed: 1, targets: { default: { freq_mhz: { fixed: 1500 } } } } };
    const { w, sys, env } = cpufreqWorkspace('acpi-cpufreq', margins, [{ id: 'stuck', adapter: 'hang' }]);
    ws = w;
    const p = w.startRun('f', 'one', ['--grace', '1'], { env });
    await waitForStepStart(w, 'stuck');
    expect(sys.snapshot().map((s) => s.maxKhz)).toEqual([1500000, 1500000, 1500000]);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(sys.snapshot()).toEqual(INITIAL);
    expect(readEvents(w.onlyRun()).filter((e) => e.event === 'margin_restore').map((e) => [e.requested, e.read_back, e.ok, e.reason])).toEqual([[2400, 2400, true, 'interrupt']]);
    expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(false);
  });

  it('a value the policies cannot take (inside the bounds, above cpuinfo_max_freq) aborts; nothing is left changed', async () => {
    // Bounds allow up to 4000 MHz; the fake CPUs top out at 3500.
    const margins = { hi: { global_seed: 1, targets: { default: { freq_mhz: { fixed: 3600 } } } } };
    const { w, sys, env } = cpufreqWorkspace('acpi-cpufreq', margins, [{ id: 'show', adapter: 'show-freq' }]);
    ws = w;
    const r = await w.run('f', 'hi', [], { env });
    expect(r.code).toBe(4);
    const events = readEvents(w.onlyRun());
    expect(events.find((e) => e.event === 'margin_set')!.error).toMatch(/cpufreq set 3600: exited with 3 \(cpufreq-rail: 3600 MHz \(3600000 kHz\) is outside policy0's range/);
    expect(events.filter((e) => e.event === 'margin_restore').map((e) => [e.requested, e.read_back, e.ok, e.reason])).toEqual([[2400, 2400, true, 'abort']]);
    // The restore found the limit already at nominal and nothing saved: governors untouched.
    expect(sys.snapshot()).toEqual(INITIAL);
    expect(existsSync(path.join(w.runs, '.cpufreq-rail.state'))).toBe(false);
    expect(stdoutLogs(w.onlyRun())).toEqual([]);
  });
});
