import { describe, expect, it } from 'vitest';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../../src/errors.js';
import {
  RECORD_DIRS, RECORD_FILES, isRunId, isSubrunId, newRunId, randomHex6, runDir, runsDir, stepLogName, subrunDir, subrunId,
} from '../../src/records/layout.js';

const RUN = 'rr-20240131T120501Z-a1b2c3';

describe('run ids', () => {
  it('makes a run id from the clock (UTC, seconds) and 6 hex digits', () => {
    const id = newRunId(new Date('2024-01-31T12:05:01.987Z'), () => 'A1B2C3');
    expect(id).toBe('rr-20240131T120501Z-a1b2c3');
    expect(isRunId(id)).toBe(true);
  });

  it('refuses a random source that does not give 6 hex digits', () => {
    expect(() => newRunId(new Date(), () => 'xyz')).toThrow(/6 hex digits/);
    expect(() => newRunId(new Date(), () => 'a1b2c3d4')).toThrow(/6 hex digits/);
  });

  it('randomHex6 gives 6 lower-case hex digits that vary', () => {
    const values = new Set(Array.from({ length: 20 }, () => randomHex6()));
    for (const v of values) expect(v).toMatch(/^[0-9a-f]{6}$/);
    expect(values.size).toBeGreaterThan(1);
  });

  it.each([
    '../../etc', 'rr-20240131T120501Z-a1b2c3/..', 'rr-20240131T120501Z-A1B2C3', 'rr-20240131T120501-a1b2c3',
    'rr-20240131T120501Z-a1b2c', 'xrr-20240131T120501Z-a1b2c3', 'rr-20240131T120501Z-a1b2c3\n', '', '.',
  ])('rejects %j as a run id', (s) => {
    expect(isRunId(s)).toBe(false);
    expect(() => runDir('/ws', s)).toThrow(UsageError);
  });
});

describe('sub-run ids', () => {
  it('numbers from 00 and pads to two digits for up to 100 sub-runs', () => {
    expect(subrunId(RUN, 0, 21)).toBe(`${RUN}-s00`);
    expect(subrunId(RUN, 20, 21)).toBe(`${RUN}-s20`);
    expect(subrunId(RUN, 2, 3)).toBe(`${RUN}-s02`);
    expect(subrunId(RUN, 99, 100)).toBe(`${RUN}-s99`);
  });

  it('pads to the width the count needs', () => {
    expect(subrunId(RUN, 0, 101)).toBe(`${RUN}-s000`);
    expect(subrunId(RUN, 100, 101)).toBe(`${RUN}-s100`);
    expect(subrunId(RUN, 7, 1001)).toBe(`${RUN}-s0007`);
  });

  it('sorts in sub-run order as plain strings', () => {
    const ids = Array.from({ length: 120 }, (_, i) => subrunId(RUN, i, 120));
    expect([...ids].sort()).toEqual(ids);
  });

  it('refuses indexes outside 0..count-1 and bad run ids', () => {
    expect(() => subrunId(RUN, -1, 5)).toThrow(RangeError);
    expect(() => subrunId(RUN, 5, 5)).toThrow(RangeError);
    expect(() => subrunId(RUN, 1.5, 5)).toThrow(RangeError);
    expect(() => subrunId('../x', 1, 5)).toThrow(UsageError);
  });

  it('recognises sub-run ids', () => {
    expect(isSubrunId(`${RUN}-s01`)).toBe(true);
    expect(isSubrunId(`${RUN}-s001`)).toBe(true);
    expect(isSubrunId(`${RUN}-s1`)).toBe(false);
    expect(isSubrunId(`${RUN}-s01/..`)).toBe(false);
    expect(isSubrunId(RUN)).toBe(false);
  });
});

describe('folders', () => {
  it('places runs under <root>/runs and sub-runs under <run>/subruns (SPEC §5.3)', () => {
    expect(runsDir('/ws')).toBe(join('/ws', 'runs'));
    expect(runDir('/ws', RUN)).toBe(join('/ws', 'runs', RUN));
    expect(subrunDir('/ws', RUN, `${RUN}-s02`)).toBe(join('/ws', 'runs', RUN, 'subruns', `${RUN}-s02`));
  });

  it('never leaves runs/', () => {
    const dir = subrunDir('/ws', RUN, `${RUN}-s02`);
    expect(relative(runsDir('/ws'), resolve(dir)).startsWith('..')).toBe(false);
    expect(() => subrunDir('/ws', RUN, '../../etc')).toThrow(UsageError);
    expect(() => subrunDir('/ws', RUN, 'rr-20990101T000000Z-ffffff-s01')).toThrow(/not a sub-run id of run/);
  });

  it('names the record files of SPEC §9', () => {
    expect(RECORD_FILES).toEqual({ plan: 'plan.json', summary: 'summary.json', steps: 'steps.ldjson', sysinfo: 'sysinfo.json' });
    expect(RECORD_DIRS).toEqual({ inputs: 'inputs', subruns: 'subruns', stdout: 'stdout', stderr: 'stderr' });
  });
});

describe('step log names', () => {
  it('pads the index to two digits by default and adds no suffix without a repeat', () => {
    expect(stepLogName(0, 'cpu-smoke')).toBe('00_cpu-smoke.log');
    expect(stepLogName(1, 'cpu-smoke')).toBe('01_cpu-smoke.log');
    expect(stepLogName(12, 'memtest', undefined, 40)).toBe('12_memtest.log');
  });

  it('adds -k only when a repeat is given', () => {
    expect(stepLogName(3, 'stress', 1)).toBe('03_stress-1.log');
    expect(stepLogName(3, 'stress', 0, 5)).toBe('03_stress-0.log');
  });

  it('pads to the width the step count needs', () => {
    expect(stepLogName(7, 'a', undefined, 100)).toBe('07_a.log');
    expect(stepLogName(7, 'a', undefined, 101)).toBe('007_a.log');
    expect(stepLogName(100, 'a', 2, 101)).toBe('100_a-2.log');
  });

  it('keeps the name inside its folder whatever the step id', () => {
    const name = stepLogName(1, '../../etc/passwd');
    expect(name).not.toContain('/');
    expect(name).toBe('01_.._.._etc_passwd.log');
    expect(stepLogName(1, '..')).toBe('01_...log');
    expect(stepLogName(1, '')).toBe('01__.log');
  });

  it('refuses negative or fractional numbers', () => {
    expect(() => stepLogName(-1, 'a')).toThrow(RangeError);
    expect(() => stepLogName(1, 'a', 1.5)).toThrow(RangeError);
  });
});
