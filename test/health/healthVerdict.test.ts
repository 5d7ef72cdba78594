import { describe, expect, it } from 'vitest';
import { judgeHealth } from '../../src/health/healthVerdict.js';
import type { SubrunHealthReadings } from '../../src/records/recordTypes.js';

function readings(over: Partial<SubrunHealthReadings> = {}): SubrunHealthReadings {
  return { ce_delta: 0, ue_delta: 0, controllers: { mc0: { ce: 0, ue: 0 } }, kernel_lines: 0, lines: [], notes: [], ...over };
}

describe('health verdict', () => {
  it('nothing new passes under every policy', () => {
    for (const p of ['record', 'marginal', 'fail'] as const) expect(judgeHealth(readings(), p)).toEqual({ verdict: 'passed', reason: null });
    expect(judgeHealth(readings({ ce_delta: null, ue_delta: null, kernel_lines: null }), 'fail').verdict).toBe('passed');
  });

  it('a corrected error does what the policy says', () => {
    const ce = readings({ ce_delta: 2, controllers: { mc0: { ce: 2, ue: 0 }, mc1: { ce: 0, ue: 0 } } });
    expect(judgeHealth(ce, 'record')).toEqual({ verdict: 'passed', reason: null });
    expect(judgeHealth(ce, 'marginal')).toEqual({ verdict: 'marginal', reason: 'health: 2 new corrected memory error(s) (mc0 +2) (policy health.corrected_errors: marginal)' });
    expect(judgeHealth(ce, 'fail').verdict).toBe('failed');
  });

  it('a kernel hardware-error line counts like a corrected error', () => {
    const r = judgeHealth(readings({ kernel_lines: 1, lines: ['[1.0] mce: [Hardware Error]: Machine check events logged'] }), 'marginal');
    expect(r).toEqual({ verdict: 'marginal', reason: 'health: 1 hardware-error line(s) in the kernel log (policy health.corrected_errors: marginal)' });
  });

  it('an uncorrected error, or a line saying one happened, fails whatever the policy', () => {
    expect(judgeHealth(readings({ ue_delta: 1, controllers: { mc3: { ce: 0, ue: 1 } } }), 'record'))
      .toEqual({ verdict: 'failed', reason: 'health: 1 new uncorrected memory error(s) (mc3 +1)' });
    expect(judgeHealth(readings({ kernel_lines: 1, lines: ['[2.0] EDAC MC0: 1 UE Uncorrected error on DIMM'] }), 'record').verdict).toBe('failed');
    expect(judgeHealth(readings({ kernel_lines: 1, lines: ['[2.0] {1}[Hardware Error]: event severity: fatal'] }), 'record').verdict).toBe('failed');
  });
});
