// The plan side of a search, in memory: columns and lattices, candidate lookup, defaults, and
// the probe history read back from sub-run summaries.
import { describe, expect, it } from 'vitest';
import { candidateId, candidateIndex, columnKeyOf, searchColumns, searchSpecOf } from '../../src/plan/searchPlan.js';
import { probeHistory, probeOutcomeOf } from '../../src/search/boundaryRecord.js';
import type { PlannedAxis, PlannedSubrun } from '../../src/plan/types.js';

const axes: PlannedAxis[] = [
  { name: 'vcore_mv', target: 'default', rail: 'vcore_mv', values: [800, 850, 900] },
  { name: 'freq_mhz', target: 'default', rail: 'freq_mhz', values: [2000, 2400] },
  { name: 'mem-test:vddq_mv', target: 'mem-test', rail: 'vddq_mv', values: [1150, 1200] },
];

describe('search plan', () => {
  it('one column per combination of the other axes; the lattice runs from the safe end', () => {
    const down = searchColumns(axes, 'vcore_mv', 'down');
    expect(down.map((c) => c.key)).toEqual([
      'freq_mhz=2000,mem-test:vddq_mv=1150', 'freq_mhz=2000,mem-test:vddq_mv=1200',
      'freq_mhz=2400,mem-test:vddq_mv=1150', 'freq_mhz=2400,mem-test:vddq_mv=1200',
    ]);
    expect(down[0]!.lattice).toEqual([900, 850, 800]);
    expect(searchColumns(axes, 'vcore_mv', 'up')[0]!.lattice).toEqual([800, 850, 900]);
    expect(searchColumns([axes[0]!], 'vcore_mv', 'down').map((c) => c.key)).toEqual(['']);
  });

  it('finds the candidate of a (column, value) and names candidates -pNN', () => {
    const sub = (i: number, v: number, f: number): PlannedSubrun => ({
      id: candidateId('rr-20261130T000000Z-abcdef', i, 12), index: i, seed: i, point: { vcore_mv: v, freq_mhz: f }, margins: {}, adapter_margins: {}, steps: [],
    });
    const two = axes.slice(0, 2);
    const subs = [sub(0, 800, 2000), sub(1, 800, 2400), sub(2, 850, 2000)];
    const index = candidateIndex(subs, two, 'vcore_mv');
    expect(index.get('freq_mhz=2400|800')?.id).toBe('rr-20261130T000000Z-abcdef-p01');
    expect(index.get('freq_mhz=2400|850')).toBeUndefined();
    expect(columnKeyOf({ vcore_mv: 1, freq_mhz: 2 }, two, 'vcore_mv')).toBe('freq_mhz=2');
  });

  it('fills in the defaults of the search block', () => {
    expect(searchSpecOf({ rail: 'vcore_mv', strategy: 'binary', resolution: 5 })).toEqual({
      rail: 'vcore_mv', direction: 'down', strategy: 'binary', resolution: 5, confirm: 1, retest: 0, guard_band: 0,
    });
  });

  it('reads sub-runs as probes: passed and marginal pass, failed and crashed fail, the rest say nothing', () => {
    expect(['passed', 'marginal', 'failed', 'crashed', 'interrupted', 'aborted', 'planned'].map((s) => probeOutcomeOf(s as never)))
      .toEqual(['pass', 'pass', 'fail', 'fail', null, null, null]);
    const plan = { axes: axes.slice(0, 2), search: { spec: searchSpecOf({ rail: 'vcore_mv', strategy: 'edge', resolution: 5 }) } } as never;
    const summary = (id: string, status: string, v: number, purpose: string) => ({ id, status, point: { vcore_mv: v, freq_mhz: 2000 }, purpose }) as never;
    expect(probeHistory(plan, [summary('a', 'passed', 900, 'probe'), summary('b', 'interrupted', 850, 'probe'), summary('c', 'crashed', 850, 'confirm')])).toEqual([
      { column: 'freq_mhz=2000', value: 900, purpose: 'probe', outcome: 'pass', subrun_id: 'a' },
      { column: 'freq_mhz=2000', value: 850, purpose: 'confirm', outcome: 'fail', subrun_id: 'c' },
    ]);
  });
});
