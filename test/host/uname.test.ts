import { expect, test } from 'vitest';
import { parseUname } from '../../src/host/uname.js';
import { readUnameFixture } from './fixtures.js';

test.each([
  [
    'Linux vm 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 x86_64 GNU/Linux',
    { kernelName: 'Linux', hostname: 'vm', kernelRelease: '6.18.44-fc-v669', machine: 'x86_64' },
  ],
  [
    'Linux host 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux',
    { kernelName: 'Linux', hostname: 'host', kernelRelease: '5.15.0-91-generic', machine: 'x86_64' },
  ],
  [
    'Linux rpi 6.1.0-rpi7-rpi-v8 #1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24) aarch64 GNU/Linux',
    { kernelName: 'Linux', hostname: 'rpi', kernelRelease: '6.1.0-rpi7-rpi-v8', machine: 'aarch64' },
  ],
  [
    // The release itself mentions x86_64; only whole tokens after it count.
    'Linux lab 4.18.0-513.9.1.el8_9.x86_64 #1 SMP Thu Nov 16 10:29:04 EST 2023 x86_64 x86_64 x86_64 GNU/Linux',
    { kernelName: 'Linux', hostname: 'lab', kernelRelease: '4.18.0-513.9.1.el8_9.x86_64', machine: 'x86_64' },
  ],
  [
    'Linux box 6.6.0 #1 SMP riscv64 unknown unknown GNU/Linux\r\n',
    { kernelName: 'Linux', hostname: 'box', kernelRelease: '6.6.0', machine: 'riscv64' },
  ],
])('parseUname(%j)', (line, expected) => {
  expect(parseUname(line)).toEqual(expected);
});

test('leading blank lines and surrounding spaces are skipped', () => {
  expect(parseUname('\n\n   Linux  h  6.1.0  #1 SMP  aarch64 \n')).toEqual({
    kernelName: 'Linux',
    hostname: 'h',
    kernelRelease: '6.1.0',
    machine: 'aarch64',
  });
});

test('no architecture token leaves machine undefined; empty text leaves everything undefined', () => {
  expect(parseUname('Linux h 6.1.0 #1 SMP unknown GNU/Linux').machine).toBeUndefined();
  expect(parseUname('')).toEqual({});
});

test('the fixture uname lines give their machine', () => {
  expect(parseUname(readUnameFixture('ampere-altra-q80-flat')).machine).toBe('aarch64');
  expect(parseUname(readUnameFixture('minimal-odd-container'))).toEqual({
    kernelName: 'Linux',
    hostname: '3f2a9c1d7b6e',
    kernelRelease: '3.10.0-1160.el7.x86_64',
    machine: 'x86_64',
  });
});
