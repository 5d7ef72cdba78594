// Which points `rerun --only` picks (SPEC §11), from in-memory records.
import { describe, expect, it } from 'vitest';
import type { Plan, PlannedSubrun } from '../../src/plan/types.js';
import { selectRerunSubruns, type RecordedOutcome } from '../../src/plan/rerunSelection.js';

const sub = (i: number, v: number, f: number): PlannedSubrun => ({
  id: `rr-20260101T000000Z-aaaaaa-s${String(i).padStart(2, '0')}`, index: i, seed: 1000 + i, point: { vcore_mv: v, freq_mhz: f },
  margins: { vcore_mv: v + 1, freq_mhz: f }, adapter_margins: {}, steps: [],
});
const plan = { run_id: 'rr-20260101T000000Z-bbbbbb', subruns: [sub(0, 900, 2000), sub(1, 950, 2000), sub(2, 900, 2400), sub(3, 950, 2400)] } as unknown as Plan;
const outcomes: RecordedOutcome[] = [
  { subrun_id: 'old-s00', point: { vcore_mv: 900, freq_mhz: 2000 }, status: 'failed', seed: 7 },
  { subrun_id: 'old-s01', point: { freq_mhz: 2000, vcore_mv: 950 }, status: 'marginal', seed: 8 },
  { subrun_id: 'old-s02', point: { vcore_mv: 900, freq_mhz: 2400 }, status: 'crashed', seed: 9 },
  { subrun_id: 'old-s03', point: { vcore_mv: 950, freq_mhz: 2400 }, status: 'passed', seed: 10 },
];

describe('selectRerunSubruns', () => {
  it('picks by status, keeps plan order and the recorded seeds, renumbers for the new run', () => {
    const s = selectRerunSubruns(plan, 'rr-20260102T000000Z-cccccc', ['failed', 'crashed'], outcomes, []);
    expect(s.subruns.map((x) => [x.id, x.index, x.seed, x.margins.vcore_mv])).toEqual([
      ['rr-20260102T000000Z-cccccc-s00', 0, 7, 901], ['rr-20260102T000000Z-cccccc-s01', 1, 9, 901],
    ]);
    expect(s.picks.map((p) => p.because)).toEqual([['failed'], ['crashed']]);
    expect(s.unmatched).toEqual([]);
  });

  it('flaky points come from the boundary (seed of their first sub-run); a point picked twice runs once; unknown points are reported', () => {
    const s = selectRerunSubruns(plan, 'rr-20260102T000000Z-cccccc', ['marginal', 'flaky'], outcomes,
      [{ vcore_mv: 950, freq_mhz: 2000 }, { freq_mhz: 2400, vcore_mv: 950 }, { vcore_mv: 925, freq_mhz: 2000 }]);
    expect(s.subruns.map((x) => [x.point.vcore_mv, x.point.freq_mhz, x.seed])).toEqual([[950, 2000, 8], [950, 2400, 10]]);
    expect(s.picks.map((p) => p.because)).toEqual([['marginal', 'flaky'], ['flaky']]);
    expect(s.picks[1]!.from).toEqual(['old-s03']);
    expect(s.unmatched).toEqual(['freq_mhz=2000,vcore_mv=925 (flaky): not a point of the plan rebuilt from the inputs']);
  });

  it('nothing matching gives no sub-runs', () => {
    expect(selectRerunSubruns(plan, 'rr-20260102T000000Z-cccccc', ['failed'], outcomes.filter((o) => o.status !== 'failed'), []).subruns).toEqual([]);
  });
});
