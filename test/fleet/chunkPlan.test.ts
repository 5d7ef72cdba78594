// How a job is split into chunks and how long a chunk's pg-boss job may stay active.
import { describe, expect, it } from 'vitest';
import { CHUNK_ALLOWANCE_S, DEFAULT_CHUNK_BOUND_S, planChunks, SUBRUN_ALLOWANCE_S } from '../../src/fleet/chunks.js';
import { UsageError } from '../../src/errors.js';

const plan = (n: number, timeouts: number[]) => ({ subruns: Array.from({ length: n }, () => ({ steps: timeouts.map((t) => ({ timeout_s: t })) })) }) as never;

describe('planChunks', () => {
  it('splits by --chunk and bounds each chunk by its steps\' timeouts', () => {
    const c = planChunks(plan(7, [60, 30]), 3);
    expect([c.size, c.total]).toEqual([3, 3]);
    expect(c.expireS).toBe(3 * (90 + SUBRUN_ALLOWANCE_S) + CHUNK_ALLOWANCE_S);
    expect(planChunks(plan(2, [60]), 10)).toEqual({ size: 2, total: 1, expireS: 2 * (60 + SUBRUN_ALLOWANCE_S) + CHUNK_ALLOWANCE_S });
  });

  it('without --chunk fills the default bound (a short sweep is one chunk)', () => {
    expect(planChunks(plan(10, [60]), undefined).total).toBe(1);
    const per = 600 + SUBRUN_ALLOWANCE_S; // 11 min a sub-run: 21 fit in 4 h less the chunk allowance
    const c = planChunks(plan(100, [600]), undefined);
    expect(c.size).toBe(Math.floor((DEFAULT_CHUNK_BOUND_S - CHUNK_ALLOWANCE_S) / per));
    expect(c.total).toBe(Math.ceil(100 / c.size));
    expect(c.expireS).toBeLessThanOrEqual(DEFAULT_CHUNK_BOUND_S);
    // One sub-run longer than the default bound is still a chunk of one.
    expect(planChunks(plan(3, [7200, 7200]), undefined).size).toBe(1);
  });

  it('refuses a chunk that could outlive pg-boss\'s expiry, a bad --chunk, and --chunk for a search', () => {
    expect(() => planChunks(plan(20, [7200]), 12)).toThrow(/longer than a fleet job may stay active/);
    expect(() => planChunks(plan(3, [60]), 0)).toThrow(UsageError);
    expect(() => planChunks({ ...plan(3, [60]), search: {} } as never, 2)).toThrow(/--chunk applies to grid sweeps/);
    expect(planChunks({ ...plan(3, [60]), search: {} } as never, undefined).total).toBe(1);
  });
});
