import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildHostFacts, type HostFacts } from '../../src/host/facts.js';
import {
  matchProfile,
  selectProfile,
  toProfileCandidate,
  type ProfileCandidate,
  type ProfileMatch,
} from '../../src/host/match.js';
import { readLscpuFixture, readUnameFixture } from './fixtures.js';

function hostOf(name: string): HostFacts {
  return buildHostFacts({ lscpu: readLscpuFixture(name), uname: readUnameFixture(name) });
}

const xeon = hostOf('xeon-gold-6338-2s-flat-rhel8'); // 4.18 kernel, 64 cores, avx512f
const epyc = hostOf('epyc-7763-1s-tree'); // 6.1.0-18-amd64, 64 cores
const altra = hostOf('ampere-altra-q80-flat'); // aarch64, 80 cores
const rk3588 = hostOf('rk3588-a55-a76-tree'); // aarch64, Cortex-A55 + Cortex-A76
const bare = buildHostFacts({ lscpu: '', uname: '' }); // nothing known

function candidate(name: string, match: ProfileMatch, priority = 0): ProfileCandidate {
  return { name, file: `policy/profiles/${name}.yaml`, priority, match };
}

function check(facts: HostFacts, match: ProfileMatch) {
  return matchProfile(facts, candidate('p', match));
}

describe('matchProfile, one criterion at a time', () => {
  test('no rules match any host', () => {
    expect(check(bare, {})).toEqual({ matched: true, reasons: ['no match rules (matches any host)'] });
    expect(matchProfile(bare, toProfileCandidate({ name: 'any' }, 'any.yaml'))).toEqual({
      matched: true,
      reasons: ['no match rules (matches any host)'],
    });
  });

  test('cpu_model_contains: case-insensitive substring, string or any of a list, any model name', () => {
    expect(check(xeon, { cpu_model_contains: 'xeon(r) gold' })).toEqual({
      matched: true,
      reasons: ['model "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz" contains "xeon(r) gold"'],
    });
    expect(check(epyc, { cpu_model_contains: ['Xeon', 'EPYC'] })).toEqual({
      matched: true,
      reasons: ['model "AMD EPYC 7763 64-Core Processor" contains "EPYC"'],
    });
    // The second core type counts too.
    expect(check(rk3588, { cpu_model_contains: 'A76' }).reasons).toEqual(['model "Cortex-A76" contains "A76"']);
    expect(check(xeon, { cpu_model_contains: 'EPYC' })).toEqual({
      matched: false,
      reasons: ['model "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz" does not contain "EPYC"'],
    });
    expect(check(rk3588, { cpu_model_contains: ['Neoverse', 'X1'] })).toEqual({
      matched: false,
      reasons: ['model "Cortex-A55", "Cortex-A76" does not contain any of "Neoverse", "X1"'],
    });
    // The BIOS model name is shown to people but not matched (it needs root to appear).
    expect(check(altra, { cpu_model_contains: 'Altra' }).matched).toBe(false);
    expect(check(bare, { cpu_model_contains: 'Xeon' }).matched).toBe(false);
  });

  test('vendor: case-insensitive equality', () => {
    expect(check(epyc, { vendor: 'authenticamd' })).toEqual({
      matched: true,
      reasons: ['vendor AuthenticAMD is "authenticamd"'],
    });
    expect(check(epyc, { vendor: 'GenuineIntel' })).toEqual({
      matched: false,
      reasons: ['vendor AuthenticAMD is not "GenuineIntel"'],
    });
    expect(check(epyc, { vendor: 'AMD' }).matched).toBe(false);
    expect(check(bare, { vendor: 'ARM' })).toEqual({ matched: false, reasons: ['vendor unknown; wanted "ARM"'] });
  });

  test('arch: case-insensitive, arm64 is aarch64', () => {
    expect(check(altra, { arch: 'arm64' })).toEqual({ matched: true, reasons: ['arch aarch64 is "arm64"'] });
    expect(check(altra, { arch: 'AArch64' }).matched).toBe(true);
    expect(check(xeon, { arch: 'aarch64' })).toEqual({ matched: false, reasons: ['arch x86_64 is not "aarch64"'] });
    expect(check(xeon, { arch: 'arm64' }).matched).toBe(false);
    expect(check(bare, { arch: 'x86_64' }).matched).toBe(false);
  });

  test('min_cores and max_cores against total cores (bounds inclusive)', () => {
    expect(check(altra, { min_cores: 80 })).toEqual({ matched: true, reasons: ['80 cores ≥ min_cores 80'] });
    expect(check(altra, { min_cores: 81 })).toEqual({ matched: false, reasons: ['80 cores < min_cores 81'] });
    expect(check(rk3588, { max_cores: 8 })).toEqual({ matched: true, reasons: ['8 cores ≤ max_cores 8'] });
    expect(check(xeon, { max_cores: 63 })).toEqual({ matched: false, reasons: ['64 cores > max_cores 63'] });
    expect(check(bare, { min_cores: 1 }).reasons).toEqual(['core count unknown; min_cores 1 needs it']);
    expect(check(bare, { max_cores: 1 }).matched).toBe(false);
  });

  test('kernel_min compares the numeric dotted prefix of the release', () => {
    expect(check(epyc, { kernel_min: '5.15' })).toEqual({ matched: true, reasons: ['kernel 6.1.0-18-amd64 ≥ 5.15'] });
    expect(check(epyc, { kernel_min: '6.1' }).matched).toBe(true); // equal counts
    expect(check(epyc, { kernel_min: '6.1.1' }).matched).toBe(false);
    expect(check(xeon, { kernel_min: '5.15' })).toEqual({
      matched: false,
      reasons: ['kernel 4.18.0-513.9.1.el8_9.x86_64 < 5.15'],
    });
    // 5.9 < 5.10 numerically, although not as text.
    const k510 = buildHostFacts({ lscpu: '', uname: 'Linux h 5.10.0-28-amd64 #1 SMP x86_64' });
    expect(check(k510, { kernel_min: '5.9' }).matched).toBe(true);
    expect(check(bare, { kernel_min: '5.15' }).reasons).toEqual(['kernel release unknown; kernel_min 5.15 needs it']);
    const odd = buildHostFacts({ lscpu: '', uname: 'Linux h custom-kernel #1 x86_64' });
    expect(check(odd, { kernel_min: '5.15' }).matched).toBe(false);
  });

  test('flags_include: every flag present', () => {
    expect(check(xeon, { flags_include: ['avx2', 'AVX512F'] })).toEqual({
      matched: true,
      reasons: ['flags include avx2, AVX512F'],
    });
    expect(check(epyc, { flags_include: ['avx2', 'avx512f', 'amx_tile'] })).toEqual({
      matched: false,
      reasons: ['flags missing avx512f, amx_tile (of avx2, avx512f, amx_tile)'],
    });
    expect(check(hostOf('minimal-odd-container'), { flags_include: ['sse2'] }).matched).toBe(false);
  });

  test('every criterion must hold; each gives a reason in a fixed order', () => {
    const match: ProfileMatch = {
      cpu_model_contains: 'EPYC',
      vendor: 'AuthenticAMD',
      arch: 'x86_64',
      min_cores: 32,
      max_cores: 128,
      kernel_min: '5.15',
      flags_include: ['avx2'],
    };
    const ok = check(epyc, match);
    expect(ok.matched).toBe(true);
    expect(ok.reasons).toHaveLength(7);
    const oneBad = check(epyc, { ...match, max_cores: 32 });
    expect(oneBad.matched).toBe(false);
    expect(oneBad.reasons).toContain('64 cores > max_cores 32');
    expect(oneBad.reasons).toContain('vendor AuthenticAMD is "AuthenticAMD"');
  });
});

describe('selectProfile', () => {
  const generic = candidate('generic-x86', { arch: 'x86_64' }, 0);
  const xeonSp = candidate('xeon-sp', { cpu_model_contains: 'Xeon', kernel_min: '4.18' }, 10);
  const epycP = candidate('epyc-milan', { cpu_model_contains: 'EPYC 7763' }, 10);
  const arm = candidate('arm-servers', { arch: 'arm64', min_cores: 32 }, 5);
  const all = [generic, arm, epycP, xeonSp];

  test('highest priority among matching profiles wins', () => {
    const sel = selectProfile(xeon, all);
    expect(sel.selected).toEqual(xeonSp);
    expect(sel.reasons[0]).toBe(
      'selected "xeon-sp" (priority 10, policy/profiles/xeon-sp.yaml): highest priority of 2 matching',
    );
    expect(sel.reasons).toContain('kernel 4.18.0-513.9.1.el8_9.x86_64 ≥ 4.18');
    expect(sel.considered.map((c) => [c.name, c.matched])).toEqual([
      ['epyc-milan', false],
      ['xeon-sp', true],
      ['arm-servers', false],
      ['generic-x86', true],
    ]);
    expect(selectProfile(epyc, all).selected?.name).toBe('epyc-milan');
    expect(selectProfile(altra, all).selected?.name).toBe('arm-servers');
  });

  test('a lower-priority profile is chosen when the higher one does not match', () => {
    const sel = selectProfile(hostOf('minimal-odd-container'), all);
    expect(sel.selected?.name).toBe('generic-x86');
  });

  test('equal priority: plain name order decides, whatever the input order', () => {
    const b = candidate('b-any', {}, 3);
    const a = candidate('a-any', {}, 3);
    const upper = candidate('Z-any', {}, 3); // 'Z' < 'a' in code-unit order
    expect(selectProfile(xeon, [b, a]).selected?.name).toBe('a-any');
    expect(selectProfile(xeon, [a, b]).selected?.name).toBe('a-any');
    const sel = selectProfile(xeon, [b, a, upper]);
    expect(sel.selected?.name).toBe('Z-any');
    expect(sel.reasons).toContain('tie at priority 3 with "a-any", "b-any": name order chose "Z-any"');
  });

  test('no matching profile, or no profiles at all: site policy only', () => {
    const sel = selectProfile(rk3588, all);
    expect(sel.selected).toBeNull();
    expect(sel.reasons).toEqual(['no hardware profile matches this host (4 considered); site policy only']);
    expect(sel.considered.every((c) => !c.matched)).toBe(true);
    expect(selectProfile(rk3588, []).reasons).toEqual(['no hardware profiles are defined; site policy only']);
  });

  test('--profile none selects nothing even when profiles match', () => {
    const sel = selectProfile(xeon, all, 'none');
    expect(sel.selected).toBeNull();
    expect(sel.reasons).toEqual(['--profile none: site policy only']);
    expect(sel.considered).toHaveLength(4);
  });

  test('--profile NAME forces that profile, saying whether it matches this host', () => {
    const lower = selectProfile(xeon, all, 'generic-x86');
    expect(lower.selected).toEqual(generic);
    expect(lower.reasons).toEqual([
      '--profile generic-x86: forced (policy/profiles/generic-x86.yaml)',
      '"generic-x86" also matches this host',
      'arch x86_64 is "x86_64"',
    ]);
    const wrong = selectProfile(xeon, all, 'arm-servers');
    expect(wrong.selected).toEqual(arm);
    expect(wrong.reasons).toEqual([
      '--profile arm-servers: forced (policy/profiles/arm-servers.yaml)',
      'warning: "arm-servers" does not match this host: arch x86_64 is not "arm64"',
    ]);
  });

  test('an unknown forced name is a usage error naming the known profiles and the closest', () => {
    let caught: unknown;
    try {
      selectProfile(xeon, all, 'xeon-spp');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as UsageError).message;
    expect(message).toContain('did you mean "xeon-sp"?');
    expect(message).toContain('Known profiles: arm-servers, epyc-milan, generic-x86, xeon-sp');
    expect((caught as UsageError).exitCode).toBe(2);
    expect(() => selectProfile(xeon, all, 'EPYC-MILAN')).toThrow(/did you mean "epyc-milan"/);
    expect(() => selectProfile(xeon, [], 'xeon-sp')).toThrow(/no hardware profiles are defined/);
  });
});
