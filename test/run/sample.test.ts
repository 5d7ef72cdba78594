// The repository's sample workspace, run end to end on a saved Intel Xeon host. The expected
// pass/fail of every step is worked out here from the stubs' documented behaviour (diags/
// cpu-smoke and diags/mem-test) and the plan's margins and seeds, not copied from a run.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

type Margins = Record<string, number>;

/** diags/cpu-smoke's draw: three rounds of a 32-bit LCG over the seed, as a fraction of 2^32. */
export function cpuSmokeDraw(seed: number): number {
  let x = seed % 4294967296;
  for (let r = 0; r < 3; r++) x = (x * 69069 + 1) % 4294967296;
  return x / 4294967296;
}

/** diags/cpu-smoke: vmin 800 mV at 2000 MHz, +12.5 mV per 100 MHz (printed as an integer); flaky within 15 mV, failing when the seed's draw is below 0.2. */
function isCpuSmokePassing(m: Margins, seed: number): boolean {
  const vcore = m.vcore_mv ?? 1000;
  const vmin = Math.trunc(800 + ((m.freq_mhz ?? 2400) - 2000) * 0.125);
  if (vcore < vmin) return false;
  return !(vcore < vmin + 15 && cpuSmokeDraw(seed) < 0.2);
}

/** diags/mem-test: fails when vddq is under 1150 mV or vcore is more than 25 mV under the (unrounded) vmin. */
function isMemTestPassing(m: Margins): boolean {
  const vmin = 800 + ((m.freq_mhz ?? 2400) - 2000) * 0.125;
  return !((m.vddq_mv ?? 1200) < 1150 || (m.vcore_mv ?? 1000) < vmin - 25);
}

/** The step statuses a sub-run must end with: each step's verdict, and skips after a failed `on_fail: stop` step. */
function expectedStatuses(sub: any): string[] {
  const out: string[] = [];
  let stopped = false;
  for (const step of sub.steps) {
    if (stopped) {
      out.push('skipped');
      continue;
    }
    const margins: Margins = { ...sub.margins, ...(sub.adapter_margins[step.adapter] ?? {}) };
    const passing = step.adapter === 'cpu-smoke' ? isCpuSmokePassing(margins, sub.seed) : isMemTestPassing(margins);
    out.push(passing ? 'passed' : 'failed');
    if (!passing && step.on_fail === 'stop') stopped = true;
  }
  return out;
}

describe('run: the sample workspace', () => {
  it('draws the stubs’ pass/fail boundary over 27 sub-runs (exit 1)', async () => {
    ws = createWorkspace({ sample: true });
    const r = await ws.run('sample_flow', 'sample_margin', [], { limitMs: 170_000 });
    expect(r.code).toBe(1);
    const dir = ws.onlyRun();
    const plan = readJson(path.join(dir, 'plan.json'));
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.profile).toBe('intel-xeon');
    expect(s.status).toBe('failed');
    expect(plan.subruns).toHaveLength(27);
    expect(s.subruns).toHaveLength(27);

    const expected = new Map<string, string[]>(plan.subruns.map((p: any) => [p.id, expectedStatuses(p)]));
    const failing = plan.subruns.filter((p: any) => expected.get(p.id)!.includes('failed')).map((p: any) => p.id);
    // The sample is meant to straddle the boundary: some points fail, most pass.
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(27);
    // Marginal points (within 15 mV above vmin) exist, so the seed really decides some of them.
    expect(plan.subruns.some((p: any) => {
      const vmin = Math.trunc(800 + (p.margins.freq_mhz - 2000) * 0.125);
      return p.margins.vcore_mv >= vmin && p.margins.vcore_mv < vmin + 15;
    })).toBe(true);

    expect(s.subruns.filter((x: any) => x.status === 'failed').map((x: any) => x.id)).toEqual(failing);
    expect(s.subruns.filter((x: any) => x.status !== 'failed').every((x: any) => x.status === 'passed')).toBe(true);
    const folders = subrunFolders(dir);
    expect(folders).toHaveLength(27);
    for (const folder of folders) {
      const sub = readJson(path.join(folder, 'summary.json'));
      expect(sub.steps.map((x: any) => x.status), sub.id).toEqual(expected.get(sub.id));
    }
    const total = [...expected.values()].flat();
    expect(s.counts).toEqual({
      passed: total.filter((x) => x === 'passed').length,
      failed: total.filter((x) => x === 'failed').length,
      timeout: 0, error: 0, interrupted: 0, marginal: 0,
      skipped: total.filter((x) => x === 'skipped').length,
    });

    // What each diagnostic was given is what the plan said, memory rail included.
    const starts = readEvents(dir).filter((e) => e.event === 'step_start');
    for (const e of starts) {
      const p = plan.subruns.find((x: any) => x.id === e.subrun_id);
      expect(e.margins).toEqual({ ...p.margins, ...(p.adapter_margins[e.adapter] ?? {}) });
      expect(e.seed).toBe(p.seed);
    }
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
  }, 180_000); // a real 108-step run: generous on a loaded host (a guard, not a timing assertion)
});
