// The pure verdict of metric limits (SPEC §11): inclusive edges, marginal band, missing and
// non-numeric values, per-instance metrics, every problem named.
import { describe, expect, it } from 'vitest';
import type { DiagAdapter } from '../../src/config/schemas/index.js';
import { describeLimit, judgeLimits } from '../../src/execute/limitVerdict.js';

const adapter = {
  name: 'd', executable: 'd',
  metrics: { gflops: { regex: 'g=(\\d+)', type: 'number' }, ops: { regex: '(\\w+) ops=(\\d+)', type: 'integer', instance_group: 1, group: 2 } },
} as unknown as DiagAdapter;

const band = { gflops: { min: 20, marginal_min: 25, marginal_max: 75, max: 80 } };

describe('judgeLimits', () => {
  it.each([
    [19.999, 'failed'], [20, 'marginal'], [24.9, 'marginal'], [25, 'passed'], [75, 'passed'], [75.1, 'marginal'], [80, 'marginal'], [80.5, 'failed'],
  ])('gflops %s → %s (inclusive bounds)', (value, status) => {
    expect(judgeLimits({ gflops: value }, band, adapter).status).toBe(status);
  });

  it('names the metric, the value and the bound', () => {
    expect(judgeLimits({ gflops: 10 }, band, adapter)).toEqual({ status: 'failed', reason: 'outside limits: metric gflops = 10 is below min 20' });
    expect(judgeLimits({ gflops: 78 }, band, adapter)).toEqual({ status: 'marginal', reason: 'marginal: metric gflops = 78 is above marginal_max 75' });
  });

  it('no limits, or a value inside every band, passes', () => {
    expect(judgeLimits({ gflops: 1 }, undefined, adapter)).toEqual({ status: 'passed' });
    expect(judgeLimits({ gflops: 50 }, band, adapter)).toEqual({ status: 'passed' });
  });

  it('a metric not reported, or reported as text, fails', () => {
    expect(judgeLimits({}, band, adapter)).toEqual({ status: 'failed', reason: 'outside limits: metric gflops not reported (limits min 20, marginal_min 25, marginal_max 75, max 80)' });
    expect(judgeLimits({ gflops: 'n/a' }, { gflops: { max: 1 } }, adapter).status).toBe('failed');
  });

  it('a per-instance metric is judged on every instance; a failure outranks a marginal one', () => {
    const limits = { ops: { min: 10, marginal_min: 100 } };
    expect(judgeLimits({ 'ops.cpu': 500, 'ops.vm': 50 }, limits, adapter)).toEqual({ status: 'marginal', reason: 'marginal: metric ops.vm = 50 is below marginal_min 100' });
    expect(judgeLimits({ 'ops.cpu': 50, 'ops.vm': 5 }, limits, adapter)).toEqual({ status: 'failed', reason: 'outside limits: metric ops.vm = 5 is below min 10' });
    expect(judgeLimits({ ops: 500 }, limits, adapter).status).toBe('failed'); // no instance reported
  });

  it('describes a limit in bound order', () => {
    expect(describeLimit({ max: 9, marginal_min: 2 })).toBe('marginal_min 2, max 9');
  });
});
