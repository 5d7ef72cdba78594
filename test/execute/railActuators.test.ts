// The shipped actuators called directly, as road_runner calls them (argv, environment, exit
// code, stdout, stderr), against fakes only: diags/cpufreq-rail on a fake sysfs tree and
// diags/pmbus-rail on fake i2cget/i2cset.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFakeSysfs } from '../fixtures/rails/fakeSysfs.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function call(tool: string, args: string[], env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path.join(REPO, 'diags', tool), args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('diags/cpufreq-rail', () => {
  const setup = (driver: 'acpi-cpufreq' | 'intel_pstate' = 'acpi-cpufreq') => {
    dir = mkdtempSync(path.join(tmpdir(), 'rr-cpufreq-'));
    const sys = buildFakeSysfs(path.join(dir, 'sys'), {
      driver,
      policies: [{ governor: 'powersave', minKhz: 1000000, maxKhz: 3000000 }, { governor: 'powersave', minKhz: 1000000, maxKhz: 3000000 }, { governor: 'schedutil', minKhz: 900000, maxKhz: 2000000 }],
    });
    const env = { RR_SYSFS_ROOT: path.join(dir, 'sys'), RR_CPUFREQ_STATE: path.join(dir, 'state') };
    return { sys, env, state: env.RR_CPUFREQ_STATE };
  };

  it('a policy list limits get and set to those policies; the others are never written', () => {
    const { sys, env, state } = setup();
    expect(call('cpufreq-rail', ['get'], env)).toMatchObject({ code: 1, stderr: 'cpufreq-rail: policies disagree: policy0 scaling_max_freq 3000000 kHz, policy2 2000000 kHz; choose policies or set them alike first\n' });
    expect(call('cpufreq-rail', ['get', '0', 'policy1'], env)).toMatchObject({ code: 0, stdout: 'scaling_max_freq: 3000000 kHz\n' });
    // Below the min: the min is lowered first so the kernel would accept the max.
    expect(call('cpufreq-rail', ['set', '850.5', '0', '1'], env).code).toBe(0);
    expect(sys.snapshot()).toEqual([
      { governor: 'performance', minKhz: 850500, maxKhz: 850500 }, { governor: 'performance', minKhz: 850500, maxKhz: 850500 }, { governor: 'schedutil', minKhz: 900000, maxKhz: 2000000 },
    ]);
    expect(readFileSync(state, 'utf8')).toBe('policy0 powersave 1000000 3000000\npolicy1 powersave 1000000 3000000\n');
    // A second margin value keeps the first saved state.
    expect(call('cpufreq-rail', ['set', '2500', '0', '1'], env).code).toBe(0);
    expect(readFileSync(state, 'utf8')).toBe('policy0 powersave 1000000 3000000\npolicy1 powersave 1000000 3000000\n');
    // The saved max is the restore: governors, mins and maxes as found, state gone.
    expect(call('cpufreq-rail', ['set', '3000', '0', '1'], env).code).toBe(0);
    expect(sys.snapshot()).toEqual([
      { governor: 'powersave', minKhz: 1000000, maxKhz: 3000000 }, { governor: 'powersave', minKhz: 1000000, maxKhz: 3000000 }, { governor: 'schedutil', minKhz: 900000, maxKhz: 2000000 },
    ]);
    expect(existsSync(state)).toBe(false);
  });

  it('refuses values outside cpuinfo_min..max (exit 3), fractions of a kHz and bad policies, writing nothing', () => {
    const { sys, env, state } = setup();
    const before = sys.snapshot();
    expect(call('cpufreq-rail', ['set', '3600'], env)).toMatchObject({ code: 3, stderr: "cpufreq-rail: 3600 MHz (3600000 kHz) is outside policy0's range cpuinfo_min_freq 800000 .. cpuinfo_max_freq 3500000 kHz\n" });
    expect(call('cpufreq-rail', ['set', '799.999'], env).code).toBe(3);
    expect(call('cpufreq-rail', ['set', '1000.0001'], env).stderr).toMatch(/set needs a frequency in MHz with at most 3 decimals \(whole kHz\), got '1000.0001'/);
    expect(call('cpufreq-rail', ['set', '1e3'], env).code).not.toBe(0);
    expect(call('cpufreq-rail', ['get', 'policyX'], env)).toMatchObject({ code: 64 });
    expect(call('cpufreq-rail', ['get', '9'], env).stderr).toMatch(/no policy policy9 under /);
    expect(sys.snapshot()).toEqual(before);
    expect(existsSync(state)).toBe(false);
  });

  it('with nothing saved, a set of the limit every policy already has changes nothing', () => {
    const { sys, env, state } = setup();
    const before = sys.snapshot();
    expect(call('cpufreq-rail', ['set', '3000', '0', '1'], env).code).toBe(0);
    expect(sys.snapshot()).toEqual(before);
    expect(existsSync(state)).toBe(false);
  });

  it('intel_pstate active: performance + scaling_max_freq, and preflight names the driver', () => {
    const { sys, env } = setup('intel_pstate');
    const pre = call('cpufreq-rail', ['preflight', '0'], env);
    expect(pre).toMatchObject({ code: 0, stdout: 'cpufreq-rail: ok (intel_pstate active); policy0:800000-3500000kHz\n' });
    expect(call('cpufreq-rail', ['set', '1200', '0'], env).code).toBe(0);
    expect(sys.snapshot()[0]).toEqual({ governor: 'performance', minKhz: 1000000, maxKhz: 1200000 });
    expect(call('cpufreq-rail', ['preflight', '0'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/a previous run left cpufreq limits changed .* run '.*cpufreq-rail restore' to put them back first/) });
    expect(call('cpufreq-rail', ['restore'], env).code).toBe(0);
    expect(sys.snapshot()[0]).toEqual({ governor: 'powersave', minKhz: 1000000, maxKhz: 3000000 });
    expect(call('cpufreq-rail', ['restore'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/nothing to restore/) });
  });

  it('preflight refuses a tree without cpufreq and a policy without the performance governor', () => {
    const { sys, env } = setup();
    expect(call('cpufreq-rail', ['preflight'], { ...env, RR_SYSFS_ROOT: path.join(dir!, 'nothing') }))
      .toMatchObject({ code: 1, stderr: expect.stringMatching(/no cpufreq policy under .*nothing\/devices\/system\/cpu\/cpufreq \(is a cpufreq driver loaded\?/) });
    sys.write(2, 'scaling_available_governors', 'powersave');
    expect(call('cpufreq-rail', ['preflight'], env)).toMatchObject({ code: 1, stderr: 'cpufreq-rail: policy2 (acpi-cpufreq) offers no performance governor (powersave)\n' });
  });
});

describe('diags/pmbus-rail', () => {
  const setup = (mode = '0x17', command = '0x0200') => {
    dir = mkdtempSync(path.join(tmpdir(), 'rr-pmbus-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    for (const t of ['i2cget', 'i2cset']) symlinkSync(path.join(REPO, 'test/fixtures/rails/fake-i2c'), path.join(bin, t));
    const dev = path.join(dir, 'regs/i2c-3/0x40');
    mkdirSync(dev, { recursive: true });
    writeFileSync(path.join(dev, '0x20'), `${mode}\n`);
    writeFileSync(path.join(dev, '0x21'), `${command}\n`);
    const env = { RR_FAKE_I2C_DIR: path.join(dir, 'regs'), RR_I2CGET: path.join(bin, 'i2cget'), RR_I2CSET: path.join(bin, 'i2cset'), RR_PMBUS_STATE: path.join(dir, 'state') };
    return { env, dev, state: env.RR_PMBUS_STATE, word: () => readFileSync(path.join(dev, '0x21'), 'utf8').trim() };
  };
  const at = ['--bus', '3', '--addr', '0x40'];

  it('linear16: exponent from VOUT_MODE, VOUT_COMMAND = round(V / 2^exp), READ_VOUT back in mV', () => {
    // 0x14: exponent -12 (4096 counts per volt); 0x0f33 = 3891 counts.
    const { env, word } = setup('0x14', '0x0f33');
    expect(call('pmbus-rail', ['get', ...at], env)).toMatchObject({ code: 0, stdout: 'READ_VOUT: 0x0f33 (exponent -12) = 949.951 mV\n' });
    expect(call('pmbus-rail', ['set', '1100', ...at], env).code).toBe(0);
    expect(word()).toBe('0x119a'); // round(1.1 * 4096) = 4506
    expect(call('pmbus-rail', ['get', ...at], env).stdout).toBe('READ_VOUT: 0x119a (exponent -12) = 1100.098 mV\n');
    expect(call('pmbus-rail', ['set', '70000', ...at], env)).toMatchObject({ code: 3, stderr: expect.stringMatching(/70000 mV does not fit VOUT_COMMAND with exponent -12/) });
    expect(call('pmbus-rail', ['set', '9.5e2', ...at], env).code).toBe(64);
  });

  it('restore is recognised within one VOUT step of the reading saved at the first set, and writes back the word found', () => {
    const { env, dev, state, word } = setup('0x17', '0x0200');
    expect(call('pmbus-rail', ['get', ...at], env).stdout).toBe('READ_VOUT: 0x0200 (exponent -9) = 1000.000 mV\n');
    // READ_VOUT moves by a count before the first set (noise): the state saves 1001.953 mV.
    writeFileSync(path.join(dev, '0x8b'), '0x0201\n');
    expect(call('pmbus-rail', ['set', '900', ...at], env).code).toBe(0);
    expect(readFileSync(state, 'utf8')).toBe('0x0200 1001.953\n');
    expect(word()).toBe('0x01cd');
    // Two steps away is a margin value, not the restore.
    expect(call('pmbus-rail', ['set', '998', ...at], env).code).toBe(0);
    expect(word()).toBe('0x01ff'); // round(0.998 * 512) = 511
    expect(existsSync(state)).toBe(true);
    // The nominal road_runner read (1000) is within one step of 1001.953: the word found goes back.
    expect(call('pmbus-rail', ['set', '1000', ...at], env).code).toBe(0);
    expect(word()).toBe('0x0200');
    expect(existsSync(state)).toBe(false);
  });

  it('with nothing saved, a set within one step of the present output writes nothing', () => {
    const { env, state, word } = setup('0x17', '0x0200');
    expect(call('pmbus-rail', ['set', '1001', ...at], env).code).toBe(0);
    expect(word()).toBe('0x0200');
    expect(existsSync(state)).toBe(false);
    expect(readFileSync(path.join(env.RR_FAKE_I2C_DIR, 'calls.log'), 'utf8')).not.toMatch(/i2cset/);
  });

  it('refuses non-linear VOUT_MODE and passes on i2c-tools errors', () => {
    const { env } = setup('0x80');
    expect(call('pmbus-rail', ['get', ...at], env)).toMatchObject({ code: 3, stderr: 'pmbus-rail: VOUT_MODE is 0x80: reserved mode (bits 7:5 = 4), not linear; this actuator handles linear mode only\n' });
    expect(call('pmbus-rail', ['preflight', '--bus', '3', '--addr', '0x123'], env).code).toBe(64);
    expect(call('pmbus-rail', ['preflight', '--bus', '3', '--addr', '0x80'], env).stderr).toMatch(/failed: Error: Chip address out of range \(0x08-0x77\)!/);
    expect(call('pmbus-rail', ['preflight', '--bus', '3', '--addr', '0x50'], env).stderr).toMatch(/i2cget -y 3 0x50 0x20 b failed: Error: Read failed/);
    expect(call('pmbus-rail', ['preflight', '--bus', '5', '--addr', '0x40'], env).stderr).toMatch(/Error: Could not open file `\/dev\/i2c-5' or `\/dev\/i2c\/5': No such file or directory/);
    expect(call('pmbus-rail', ['preflight', ...at], { ...env, RR_I2CGET: '/nonexistent/i2cget' }).stderr).toMatch(/\/nonexistent\/i2cget not found \(apt-get install i2c-tools, or set RR_I2CGET\)/);
  });

  it('the fake tools print the real formats', () => {
    const { env } = setup('0x17', '0x0d9a');
    const run = (tool: string, args: string[]) => spawnSync(env[tool === 'i2cget' ? 'RR_I2CGET' : 'RR_I2CSET'], args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run('i2cget', ['-y', '3', '0x40', '0x21', 'w']).stdout).toBe('0x0d9a\n');
    expect(run('i2cget', ['-y', '3', '0x40', '0x20', 'b']).stdout).toBe('0x17\n');
    expect(run('i2cget', ['-y', '3', '0x41', '0x20', 'b'])).toMatchObject({ status: 1, stderr: 'Error: Read failed\n' });
    expect(run('i2cget', ['-y', '3', '0x03', '0x20'])).toMatchObject({ status: 1, stderr: 'Error: Chip address out of range (0x08-0x77)!\n' });
    expect(run('i2cset', ['-y', '3', '0x40', '0x21', '0x10000', 'w'])).toMatchObject({ status: 1, stderr: 'Error: Data value out of range!\n' });
    expect(run('i2cset', ['-y', '3', '0x41', '0x21', '0x0100', 'w'])).toMatchObject({ status: 1, stderr: 'Error: Write failed\n' });
  });
});
