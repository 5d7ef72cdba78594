// The policy was tightened after a run: `run --resume`, `rerun-last` and `recover` check every
// value they would apply against the bounds in force now (SPEC §5.4, §7), list the
// violations, exit 3 and touch nothing (the sim-rail state file and its history prove it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createWorkspace, readJson, waitFor, type TestWorkspace } from '../run/workspace.js';
import { NAP_ADAPTER, NAP_SCRIPT, idOf, show, snapshotTree, stepStartsOf, vcorePoints } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

/** Rewrites policy/safety.yaml with vcore_mv bounded by [min, max]. */
function setVcoreBounds(w: TestWorkspace, min: number, max: number): void {
  writeFileSync(path.join(w.root, 'policy/safety.yaml'), stringify({
    bounds: { vcore_mv: { min, max }, freq_mhz: { min: 800, max: 4000 }, vddq_mv: { min: 1100, max: 1300 } },
    limits: { max_subruns: 100, max_step_timeout_s: 3600 },
    require_bounds_for_all_rails: true,
  }));
}

function railFiles(w: TestWorkspace): Record<string, string> {
  return snapshotTree(w.simDir);
}

describe('after the policy was tightened', { timeout: 60_000 }, () => {
  it('run --resume refuses the remaining values the policy now forbids: exit 3, nothing touched', async () => {
    ws = createWorkspace({ scripts: { nap: NAP_SCRIPT }, adapters: { nap: NAP_ADAPTER }, flows: { naps: { steps: [{ id: 'nap', adapter: 'nap' }] } }, margins: { four: vcorePoints(4) } });
    const p = ws.startRun('naps', 'four', ['--grace', '1']);
    const runFolder = await waitFor('the run folder', () => ws!.runFolders()[0]);
    const id = idOf(runFolder);
    await waitFor('sub-run 2 started', () => stepStartsOf(runFolder, `${id}-s01`).length > 0, 20_000);
    p.child.kill('SIGINT');
    expect((await p.done).code).toBe(130);
    // Sub-runs left: 960 (interrupted), 970, 980. Today's policy allows 975 and above.
    setVcoreBounds(ws, 975, 1100);
    const rails = railFiles(ws);
    const run = snapshotTree(runFolder);

    const r = await ws.cli(['run', '--resume', id, '--yes', '--grace', '1']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/2 safety violations; nothing was run/);
    expect(r.stderr).toMatch(new RegExp(`${id}-s01: rail vcore_mv: 960 is below min 975 set by policy/safety.yaml`));
    expect(r.stderr).toMatch(new RegExp(`${id}-s02: rail vcore_mv: 970 is below min 975 set by policy/safety.yaml`));
    // s00 is finished (its value is not applied again); s03 (980) is allowed.
    expect(r.stderr).not.toMatch(/s00:|s03:/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(railFiles(ws)).toEqual(rails);
    expect(snapshotTree(runFolder)).toEqual(run);
    expect(ws.railState('vcore_mv')).toBe(1000);
  });

  it('rerun-last refuses values the policy now forbids although its recorded copy allowed them: exit 3, nothing touched', async () => {
    ws = createWorkspace({ flows: { f: { steps: [{ id: 'p', adapter: 'pass' }] } }, margins: { two: vcorePoints(2) } });
    const first = await ws.run('f', 'two');
    expect(first.code, show(first)).toBe(0);
    const history = ws.railHistory('vcore_mv');
    expect(history).toEqual([950, 1000, 960, 1000]);
    // A tighter minimum now: 950 is forbidden, 960 still allowed.
    setVcoreBounds(ws, 955, 1100);
    const rails = railFiles(ws);

    const r = await ws.cli(['rerun-last', '--yes']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/1 safety violation; nothing was run/);
    expect(r.stderr).toMatch(/-s00: rail vcore_mv: 950 is below min 955 set by policy\/safety.yaml/);
    expect(railFiles(ws)).toEqual(rails);
    expect(ws.runFolders()).toHaveLength(1);

    // Once today's policy allows the values again, the rerun goes ahead under the stricter of
    // today's bounds and the recorded ones.
    setVcoreBounds(ws, 900, 1050);
    const again = await ws.cli(['rerun-last', '--yes']);
    expect(again.code, show(again)).toBe(0);
    const plan = readJson(path.join(ws.runFolders()[1]!, 'plan.json'));
    expect(plan.bounds.rails.vcore_mv).toMatchObject({ min: 900, max: 1050, min_source: 'policy/safety.yaml', max_source: 'policy/safety.yaml' });
  });

  it('a hardware profile added since the run tightens the bounds too: rerun --only and rerun-last refuse, exit 3, nothing touched', async () => {
    ws = createWorkspace({ flows: { bad: { steps: [{ id: 'x', adapter: 'fail' }] }, good: { steps: [{ id: 'p', adapter: 'pass' }] } }, margins: { two: vcorePoints(2) } });
    const failing = await ws.run('bad', 'two');
    expect(failing.code, show(failing)).toBe(1);
    const id = idOf(ws.onlyRun());
    const passing = await ws.run('good', 'two');
    expect(passing.code, show(passing)).toBe(0);
    // The policy is unchanged; a profile matching this (Xeon) host now allows 955 mV and above.
    writeFileSync(path.join(ws.root, 'policy/profiles/lab-xeon.yaml'), stringify({
      name: 'lab-xeon', priority: 50, match: { vendor: 'GenuineIntel', cpu_model_contains: 'Xeon' },
      policy: { bounds: { vcore_mv: { min: 955, max: 1100 } } },
    }));
    const rails = railFiles(ws);
    for (const args of [['rerun', id, '--only', 'failed', '--yes'], ['rerun-last', '--yes']]) {
      const r = await ws.cli(args);
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toMatch(/rail vcore_mv: 950 is below min 955 set by policy\/profiles\/lab-xeon\.yaml/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(railFiles(ws)).toEqual(rails);
      expect(ws.runFolders()).toHaveLength(2);
    }
  });

  it('recover does not apply a recorded nominal that today\'s policy forbids: exit 3, rails untouched, journal kept', async () => {
    ws = createWorkspace({ flows: { f: { steps: [{ id: 'p', adapter: 'pass' }] } }, margins: { two: vcorePoints(2) } });
    // A rail that reads back 50 off: the restore cannot be verified, the journal stays.
    const r = await ws.run('f', 'two', [], { env: { RR_SIM_RAIL_OFFSET_VCORE_MV: '50' } });
    expect(r.code, show(r)).toBe(4);
    const journal = path.join(ws.runs, '.journal.json');
    expect(existsSync(journal)).toBe(true);
    setVcoreBounds(ws, 700, 990);
    const rails = railFiles(ws);

    const refused = await ws.cli(['recover']);
    expect(refused.code, show(refused)).toBe(3);
    expect(refused.stderr).toMatch(/nominal of vcore_mv: rail vcore_mv: 1000 is above max 990 set by policy\/safety.yaml/);
    expect(refused.stderr).toMatch(/fix the policy so nominal is allowed, or restore vcore_mv to 1000 by hand/);
    expect(railFiles(ws)).toEqual(rails);
    expect(readFileSync(journal, 'utf8')).toContain(idOf(ws.onlyRun()));

    // With nominal allowed again, recovery restores it and clears the journal.
    setVcoreBounds(ws, 700, 1050);
    const ok = await ws.cli(['recover']);
    expect(ok.code, show(ok)).toBe(0);
    expect(existsSync(journal)).toBe(false);
    expect(ws.railState('vcore_mv')).toBe(1000);
  });
});
