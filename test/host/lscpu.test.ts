import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseLscpu, type LscpuFacts } from '../../src/host/lscpu.js';
import { splitLscpuEntries } from '../../src/host/lscpu-lines.js';
import { listFixtureNames, readLscpuFixture } from './fixtures.js';

// Everything but the per-model blocks and the flag list, which are checked separately.
function summarize(facts: LscpuFacts): Omit<LscpuFacts, 'blocks' | 'flags'> {
  const { blocks: _blocks, flags: _flags, ...rest } = facts;
  return rest;
}

describe('parseLscpu on captured layouts', () => {
  test('there are at least six fixtures, each with a uname line', () => {
    expect(listFixtureNames().length).toBeGreaterThanOrEqual(6);
  });

  test('this machine, flat layout (util-linux 2.38 writing to a pipe)', () => {
    const facts = parseLscpu(readLscpuFixture('this-vm-flat'));
    expect(summarize(facts)).toEqual({
      arch: 'x86_64',
      vendor: 'GenuineIntel',
      modelName: 'Intel(R) Xeon(R) Processor',
      modelNames: ['Intel(R) Xeon(R) Processor'],
      cpuFamily: '6',
      model: '167',
      stepping: '8',
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      totalCores: 2,
      cpus: 2,
      onlineCpus: '0,1',
      hypervisorVendor: 'KVM',
      numaNodes: 1,
    });
    expect(facts.flags).toHaveLength(118);
    expect(facts.flags.slice(0, 3)).toEqual(['fpu', 'vme', 'de']);
    expect(facts.flags.at(-1)).toBe('arch_capabilities');
    expect(facts.flags).toEqual(expect.arrayContaining(['avx2', 'avx512f', 'nonstop_tsc', '3dnowprefetch']));
  });

  test('this machine, tree layout copied from a terminal: CRLF, values wrapped mid-word at 100 columns', () => {
    const text = readLscpuFixture('this-vm-tree-wrapped');
    expect(text).toContain('\r\n');
    const tree = parseLscpu(text);
    const flat = parseLscpu(readLscpuFixture('this-vm-flat'));
    expect(summarize(tree)).toEqual(summarize(flat));
    // The wrap splits `constant_` / `tsc`, `pclmul` / `qdq`, `a` / `vx2`: joining must restore them exactly.
    expect(tree.flags).toEqual(flat.flags);
    expect(tree.flags).toEqual(expect.arrayContaining(['constant_tsc', 'pclmulqdq', 'avx2', 'xgetbv1']));
    const spectre = splitLscpuEntries(text).find((e) => e.key === 'Spectre v2');
    expect(spectre?.value).toBe(
      'Mitigation; Enhanced / Automatic IBRS; IBPB conditional; PBRSB-eIBRS SW sequence; BHI Vulnerable',
    );
  });

  test('Xeon Gold 6338, two sockets, old flat layout (topology before the model name)', () => {
    const facts = parseLscpu(readLscpuFixture('xeon-gold-6338-2s-flat-rhel8'));
    expect(summarize(facts)).toEqual({
      arch: 'x86_64',
      vendor: 'GenuineIntel',
      modelName: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      modelNames: ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz'],
      cpuFamily: '6',
      model: '106',
      stepping: '6',
      sockets: 2,
      coresPerSocket: 32,
      threadsPerCore: 2,
      totalCores: 64,
      cpus: 128,
      onlineCpus: '0-127',
      numaNodes: 2,
      maxMhz: 3200,
    });
    expect(facts.blocks).toHaveLength(1);
    expect(facts.flags).toHaveLength(148);
    expect(facts.flags).toEqual(expect.arrayContaining(['avx512f', 'avx512_vnni', 'la57', 'vmx']));
  });

  test('EPYC 7763, tree layout with BIOS lines and section headers', () => {
    const facts = parseLscpu(readLscpuFixture('epyc-7763-1s-tree'));
    expect(summarize(facts)).toEqual({
      arch: 'x86_64',
      vendor: 'AuthenticAMD',
      biosVendor: 'Advanced Micro Devices, Inc.',
      modelName: 'AMD EPYC 7763 64-Core Processor',
      modelNames: ['AMD EPYC 7763 64-Core Processor'],
      biosModelName: 'AMD EPYC 7763 64-Core Processor',
      cpuFamily: '25',
      model: '1',
      stepping: '1',
      sockets: 1,
      coresPerSocket: 64,
      threadsPerCore: 2,
      totalCores: 64,
      cpus: 128,
      onlineCpus: '0-127',
      numaNodes: 1,
      maxMhz: 3529.052,
    });
    expect(facts.flags).toHaveLength(141);
    expect(facts.flags.slice(0, 2)).toEqual(['fpu', 'vme']);
    expect(facts.flags.at(-1)).toBe('debug_swap');
    expect(facts.flags).toContain('svm');
  });

  test('Ampere Altra (Neoverse-N1), aarch64 flat layout with BIOS model name', () => {
    const facts = parseLscpu(readLscpuFixture('ampere-altra-q80-flat'));
    expect(summarize(facts)).toEqual({
      arch: 'aarch64',
      vendor: 'ARM',
      biosVendor: 'Ampere(R)',
      modelName: 'Neoverse-N1',
      modelNames: ['Neoverse-N1'],
      biosModelName: 'Ampere(R) Altra(R) Processor Q80-30 CPU @ 3.0GHz',
      model: '1',
      stepping: 'r3p1',
      sockets: 1,
      coresPerSocket: 80,
      threadsPerCore: 1,
      totalCores: 80,
      cpus: 80,
      onlineCpus: '0-79',
      numaNodes: 1,
      maxMhz: 3000,
    });
    expect(facts.flags).toEqual(
      'fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs'.split(' '),
    );
  });

  test('RK3588 (Cortex-A55 + Cortex-A76), tree layout, cores per cluster, Socket(s): -', () => {
    const facts = parseLscpu(readLscpuFixture('rk3588-a55-a76-tree'));
    expect(summarize(facts)).toEqual({
      arch: 'aarch64',
      vendor: 'ARM',
      modelName: 'Cortex-A55',
      modelNames: ['Cortex-A55', 'Cortex-A76'],
      model: '0',
      stepping: 'r2p0',
      coresPerCluster: 4,
      clusters: 1,
      threadsPerCore: 1,
      totalCores: 8,
      cpus: 8,
      onlineCpus: '0-7',
      maxMhz: 2400,
    });
    expect(facts.blocks.map((b) => [b.modelName, b.coresPerCluster, b.clusters, b.sockets, b.cores, b.stepping])).toEqual([
      ['Cortex-A55', 4, 1, undefined, 4, 'r2p0'],
      ['Cortex-A76', 2, 2, undefined, 4, 'r4p0'],
    ]);
    expect(facts.flags).toHaveLength(16);
    expect(facts.flags).toContain('asimddp');
  });

  test('S922X (Cortex-A53 + Cortex-A73), flat layout with repeated per-model keys', () => {
    const facts = parseLscpu(readLscpuFixture('s922x-a53-a73-flat'));
    expect(summarize(facts)).toEqual({
      arch: 'aarch64',
      vendor: 'ARM',
      modelName: 'Cortex-A53',
      modelNames: ['Cortex-A53', 'Cortex-A73'],
      model: '4',
      stepping: 'r0p4',
      coresPerCluster: 2,
      clusters: 1,
      threadsPerCore: 1,
      totalCores: 6,
      cpus: 6,
      onlineCpus: '0-5',
      maxMhz: 2400,
    });
    expect(facts.blocks.map((b) => [b.modelName, b.model, b.cores, b.maxMhz])).toEqual([
      ['Cortex-A53', '4', 2, 1908],
      ['Cortex-A73', '2', 4, 2400],
    ]);
    expect(facts.flags).toEqual('fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid'.split(' '));
  });

  test('minimal container output: CRLF, blank lines, tabs, a warning line, no Flags, no Socket(s)', () => {
    const facts = parseLscpu(readLscpuFixture('minimal-odd-container'));
    expect(summarize(facts)).toEqual({
      arch: 'x86_64',
      vendor: 'AuthenticAMD',
      modelName: 'QEMU Virtual CPU version 2.5+',
      modelNames: ['QEMU Virtual CPU version 2.5+'],
      coresPerSocket: 4,
      threadsPerCore: 1,
      totalCores: 4, // CPU(s) ÷ threads per core, since sockets are unknown
      cpus: 4,
      hypervisorVendor: 'KVM',
    });
    expect(facts.flags).toEqual([]);
  });
});

describe('parseLscpu edge cases', () => {
  test('empty text gives no facts and empty lists', () => {
    const facts = parseLscpu('');
    expect(facts).toEqual({ modelNames: [], flags: [], blocks: [] });
  });

  test('CRLF and LF give the same facts', () => {
    const lf = readLscpuFixture('epyc-7763-1s-tree');
    expect(parseLscpu(lf.replace(/\n/g, '\r\n'))).toEqual(parseLscpu(lf));
  });

  test('BIOS Model name is never taken for the model name, whichever comes first', () => {
    const facts = parseLscpu('Vendor ID: ARM\nBIOS Model name: Ampere Altra\nModel name: Neoverse-N1\n');
    expect(facts.modelName).toBe('Neoverse-N1');
    expect(facts.modelNames).toEqual(['Neoverse-N1']);
    expect(facts.biosModelName).toBe('Ampere Altra');
  });

  test('sockets "-" without clusters: cores per socket count once; CPU(s) ÷ threads wins when known', () => {
    const noCpus = parseLscpu('Architecture: aarch64\nCore(s) per socket: 4\nSocket(s): -\n');
    expect(noCpus.sockets).toBeUndefined();
    expect(noCpus.totalCores).toBe(4);
    const withCpus = parseLscpu('CPU(s): 12\nThread(s) per core: 2\nCore(s) per socket: 4\nSocket(s): -\n');
    expect(withCpus.totalCores).toBe(6);
  });

  test('nothing about cores gives an undefined total', () => {
    expect(parseLscpu('Architecture: x86_64\nCPU(s): 8\n').totalCores).toBeUndefined();
  });

  test('a repeated model with the same name is listed once but its cores count twice', () => {
    const block = 'Model name: Cortex-A53\nCore(s) per cluster: 4\nSocket(s): -\nCluster(s): 1\n';
    const facts = parseLscpu(`Architecture: aarch64\n${block}${block}`);
    expect(facts.modelNames).toEqual(['Cortex-A53']);
    expect(facts.totalCores).toBe(8);
  });

  test('extra spacing around keys and values is ignored', () => {
    const facts = parseLscpu('  Model   name :   Foo  Bar  \n\n\nFlags:\t a  b\tc \n');
    expect(facts.modelName).toBe('Foo  Bar');
    expect(facts.flags).toEqual(['a', 'b', 'c']);
  });
});

describe('parseLscpu properties', () => {
  // Lays out `Flags:` the way lscpu does in a terminal: value column, then hard wrap at `width`.
  function wrapLikeLscpu(indent: number, column: number, width: number, value: string): string {
    const head = `${' '.repeat(indent)}Flags:`.padEnd(column, ' ');
    const room = width - column;
    const lines: string[] = [];
    for (let i = 0; i < value.length; i += room) lines.push(' '.repeat(column) + value.slice(i, i + room));
    return head + (lines.join('\n').slice(column) || '') + '\n';
  }

  test('flags wrapped at any width and value column read back exactly', () => {
    const flag = fc.stringMatching(/^[a-z0-9_]{1,14}$/);
    fc.assert(
      fc.property(
        fc.array(flag, { minLength: 1, maxLength: 80 }),
        fc.constantFrom(0, 2, 4),
        fc.integer({ min: 12, max: 40 }),
        fc.integer({ min: 2, max: 150 }), // a 1-column wrap would print space-only lines
        (flags, indent, column, room) => {
          const text = `Architecture: x86_64\nModel name: X\n${wrapLikeLscpu(indent, column, column + room, flags.join(' '))}Stepping: 1\n`;
          const facts = parseLscpu(text);
          expect(facts.flags).toEqual([...new Set(flags)]);
          expect(facts.stepping).toBe('1');
        },
      ),
    );
  });

  test('never throws on arbitrary text and always returns lists', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const facts = parseLscpu(text);
        expect(Array.isArray(facts.modelNames) && Array.isArray(facts.flags)).toBe(true);
      }),
    );
  });
});
