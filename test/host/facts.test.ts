import { expect, test } from 'vitest';
import { buildHostFacts, describeHostFacts } from '../../src/host/facts.js';
import { readLscpuFixture, readUnameFixture } from './fixtures.js';

function factsOf(name: string) {
  return buildHostFacts({ lscpu: readLscpuFixture(name), uname: readUnameFixture(name) });
}

test('buildHostFacts combines lscpu and uname for the two-socket Xeon', () => {
  const { flags, ...rest } = factsOf('xeon-gold-6338-2s-flat-rhel8');
  expect(rest).toEqual({
    arch: 'x86_64',
    vendor: 'GenuineIntel',
    modelName: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    modelNames: ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz'],
    sockets: 2,
    coresPerSocket: 32,
    threadsPerCore: 2,
    totalCores: 64,
    cpus: 128,
    kernelRelease: '4.18.0-513.9.1.el8_9.x86_64',
    hostname: 'lab-xeon-07',
    coreTypes: [{ modelName: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cores: 64 }],
  });
  expect(flags).toHaveLength(148);
});

test('buildHostFacts keeps each core type of a multi-cluster part', () => {
  const facts = factsOf('rk3588-a55-a76-tree');
  expect(facts.coreTypes).toEqual([
    { modelName: 'Cortex-A55', cores: 4 },
    { modelName: 'Cortex-A76', cores: 4 },
  ]);
  expect(facts.totalCores).toBe(8);
  expect(facts.sockets).toBeUndefined();
  expect(facts.hostname).toBe('rock5b');
});

test('arch falls back to the uname machine when lscpu has no Architecture line', () => {
  const facts = buildHostFacts({
    lscpu: 'CPU(s): 4\nModel name: Cortex-A72\n',
    uname: 'Linux pi4 6.1.0-rpi7-rpi-v8 #1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24) aarch64 GNU/Linux',
  });
  expect(facts.arch).toBe('aarch64');
  expect(buildHostFacts({ lscpu: 'Architecture: x86_64\n', uname: 'Linux h 6.1 #1 aarch64' }).arch).toBe('x86_64');
});

test('host facts survive a JSON round trip unchanged (saved hosts and rerun-last re-read them)', () => {
  const facts = factsOf('ampere-altra-q80-flat');
  expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
});

test('describeHostFacts: two-socket Xeon', () => {
  expect(describeHostFacts(factsOf('xeon-gold-6338-2s-flat-rhel8'))).toEqual([
    'host:     lab-xeon-07',
    'arch:     x86_64',
    'vendor:   GenuineIntel',
    'model:    Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    'topology: 2 sockets × 32 cores × 2 threads = 64 cores, 128 CPUs',
    'kernel:   4.18.0-513.9.1.el8_9.x86_64',
    'flags:    148 (fpu vme de pse tsc msr pae mce cx8 apic sep mtrr …)',
  ]);
});

test('describeHostFacts: BIOS model, core types, virtual machine, unknowns', () => {
  const altra = describeHostFacts(factsOf('ampere-altra-q80-flat'));
  expect(altra).toContain('bios:     Ampere(R) Altra(R) Processor Q80-30 CPU @ 3.0GHz');
  expect(describeHostFacts(factsOf('s922x-a53-a73-flat'))).toContain('model:    2 × Cortex-A53 + 4 × Cortex-A73');
  const vm = describeHostFacts(factsOf('minimal-odd-container'));
  expect(vm).toContain('virtual:  yes (KVM guest)');
  expect(vm).toContain('topology: 4 cores, 4 CPUs');
  expect(vm).toContain('flags:    none reported');
  expect(describeHostFacts(buildHostFacts({ lscpu: '', uname: '' }))).toEqual([
    'host:     unknown',
    'arch:     unknown',
    'vendor:   unknown',
    'model:    unknown',
    'topology: cores unknown, CPUs unknown',
    'kernel:   unknown',
    'flags:    none reported',
  ]);
});
