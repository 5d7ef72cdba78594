// When the crashed run's own actuator cannot restore a rail (no permission, executable gone):
// `recover` says per rail what it tried, exits 4 and keeps the journal; `recover
// --with-current-adapters` restores with today's manifest (still under today's bounds);
// `recover --clear --yes` takes the operator's word, calls no actuator and records it. And a
// rail whose `set` never started was not touched: no journal, no "RAIL NOT RESTORED".
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createWorkspace, groupMembers, killGroupQuietly, readEvents, readJson, subrunFolders, waitFor, waitForDiagnosticGroup, waitForStepStart,
  type CliResult, type TestWorkspace,
} from './workspace.js';

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

// A rail actuator that works during the run and is refused later, as a real one is when
// recovery runs without the permission the run had (RAIL_DENIED=1 in its environment).
const GUARDED_RAIL = `#!/bin/sh
if [ "\${RAIL_DENIED:-0}" = 1 ]; then echo "rail-guard: cannot open /dev/fake-regulator: Permission denied" >&2; exit 1; fi
exec "$(dirname "$0")/sim-rail" "$@"
`;
const DENIED = { RAIL_DENIED: '1' };
const railAdapter = (executable: string) => ({
  kind: 'rail', rail: 'vcore_mv', executable, set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'], nominal: 1000, tolerance: 2, settle_ms: 0,
});
const FLOWS = {
  f: { steps: [{ id: 'first', adapter: 'pass' }, { id: 'stuck', adapter: 'hang' }] },
  quick: { steps: [{ id: 'p', adapter: 'pass' }] },
};
const MARGINS = { crash: { global_seed: 5, targets: { default: { vcore_mv: { fixed: 950 }, freq_mhz: { fixed: 2000 } } } } };
const show = (r: CliResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

function guardedWorkspace(): TestWorkspace {
  return createWorkspace({ flows: FLOWS, margins: MARGINS, scripts: { 'rail-guard': GUARDED_RAIL }, adapters: { vcore: railAdapter('rail-guard') } });
}

/** Starts a run, waits for its `stuck` step and kill -9s road_runner: margined rails, a journal, an orphan. */
async function crashMidStep(w: TestWorkspace): Promise<{ runDir: string; runId: string; pgid: number }> {
  const p = w.startRun('f', 'crash', ['--grace', '1']);
  await waitForStepStart(w, 'stuck');
  const pgid = await waitForDiagnosticGroup(w);
  leftovers.push(pgid);
  await waitFor('the diagnostic recorded beside the journal', () => {
    try {
      return (JSON.parse(readFileSync(path.join(w.runs, '.journal.pgids'), 'utf8')) as number[]).includes(pgid);
    } catch {
      return false;
    }
  }, 5_000);
  p.child.kill('SIGKILL');
  expect((await p.done).signal).toBe('SIGKILL');
  expect(w.railState('vcore_mv')).toBe(950);
  expect(existsSync(journalOf(w))).toBe(true);
  const runDir = w.onlyRun();
  return { runDir, runId: path.basename(runDir), pgid };
}

const journalOf = (w: TestWorkspace) => path.join(w.runs, '.journal.json');

function setPolicy(w: TestWorkspace, vcoreMax: number): void {
  writeFileSync(path.join(w.root, 'policy/safety.yaml'), stringify({
    bounds: { vcore_mv: { min: 700, max: vcoreMax }, freq_mhz: { min: 800, max: 4000 }, vddq_mv: { min: 1100, max: 1300 } },
    limits: { max_subruns: 100, max_step_timeout_s: 3600 },
    require_bounds_for_all_rails: true,
  }));
}

describe('recover when the recorded actuator cannot restore', { timeout: 120_000 }, () => {
  it('says what it tried and keeps the journal (also for a blocked run); --with-current-adapters restores with today\'s manifest, within today\'s bounds', async () => {
    ws = guardedWorkspace();
    const { runDir, runId, pgid } = await crashMidStep(ws);

    const r = await ws.cli(['recover'], { env: DENIED });
    expect(r.code, show(r)).toBe(4);
    expect(r.stderr).toContain(`recovery of crashed run ${runId} could not restore vcore_mv with the rail manifests recorded in its inputs/`);
    expect(r.stderr).toContain('vcore_mv (nominal 1000): NOT RESTORED');
    expect(r.stderr).toContain(`adapter vcore, manifest runs/${runId}/inputs/adapters/vcore.yaml`);
    expect(r.stderr).toContain(`executable ${path.join(ws.root, 'diags/rail-guard')}`);
    expect(r.stderr).toContain(`ran ${path.join(ws.root, 'diags/rail-guard')} set vcore_mv 1000: exit 1, stderr "rail-guard: cannot open /dev/fake-regulator: Permission denied"`);
    expect(r.stderr).toContain('read back: nothing');
    expect(r.stderr).toMatch(/fix: .*`road_runner recover --with-current-adapters`.*`road_runner recover --clear --yes`/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    // freq_mhz's actuator works: it is back at nominal; vcore_mv stays margined, the journal stays.
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(ws.railState('vcore_mv')).toBe(950);
    expect(existsSync(journalOf(ws))).toBe(true);
    expect(groupMembers(pgid)).toEqual([]);

    // A run is blocked with the same explanation, and starts nothing.
    const blocked = await ws.run('quick', 'one', [], { env: DENIED });
    expect(blocked.code, show(blocked)).toBe(4);
    expect(blocked.stderr).toMatch(new RegExp(`run rr-\\S+ not started: recovery of crashed run ${runId} could not restore vcore_mv`));
    expect(blocked.stderr).toContain('vcore_mv (nominal 1000): NOT RESTORED');
    expect(blocked.stderr).toContain('--with-current-adapters');
    expect(ws.runFolders()).toHaveLength(1);

    // Today's manifests are validated first: a broken rail manifest is an input error, nothing is called.
    const manifest = path.join(ws.root, 'adapters/vcore.yaml');
    writeFileSync(manifest, stringify({ name: 'vcore', ...railAdapter('sim-rail'), tolerence: 5 }));
    const before = ws.railHistory('vcore_mv');
    const broken = await ws.cli(['recover', '--with-current-adapters'], { env: DENIED });
    expect(broken.code, show(broken)).toBe(2);
    expect(broken.stderr).toMatch(/problem in today's rail manifests; nothing was restored:\n.*adapters\/vcore\.yaml:\d+:\d+: .*tolerence/);
    expect(ws.railHistory('vcore_mv')).toEqual(before);
    expect(existsSync(journalOf(ws))).toBe(true);

    // Today's manifest drives the rail through another executable that has the access.
    writeFileSync(manifest, stringify({ name: 'vcore', ...railAdapter('sim-rail') }));
    // ... but a nominal today's policy forbids is still refused (exit 3), whoever's manifest.
    setPolicy(ws, 990);
    const history = ws.railHistory('vcore_mv');
    const refused = await ws.cli(['recover', '--with-current-adapters'], { env: DENIED });
    expect(refused.code, show(refused)).toBe(3);
    expect(refused.stderr).toMatch(/nominal of vcore_mv: rail vcore_mv: 1000 is above max 990 set by policy\/safety.yaml/);
    expect(ws.railHistory('vcore_mv')).toEqual(history);
    expect(existsSync(journalOf(ws))).toBe(true);

    setPolicy(ws, 1100);
    const ok = await ws.cli(['recover', '--with-current-adapters'], { env: DENIED });
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.stdout).toContain("vcore_mv: restored to nominal with adapters/vcore.yaml (today's manifest), read back 1000");
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(existsSync(journalOf(ws))).toBe(false);
    const sha = createHash('sha256').update(readFileSync(manifest)).digest('hex');
    const restores = readEvents(runDir).filter((e) => e.event === 'margin_restore' && e.rail === 'vcore_mv' && e.reason === 'crash recovery');
    expect(restores.at(-1)).toMatchObject({ ok: true, read_back: 1000, adapter_source: 'workspace', manifest: 'adapters/vcore.yaml', manifest_sha256: sha });
    // The failed tries with the recorded copy are in the records too.
    expect(restores[0]).toMatchObject({ ok: false, adapter_source: 'recorded', manifest: `runs/${runId}/inputs/adapters/vcore.yaml` });
    const summary = readJson(path.join(runDir, 'summary.json'));
    expect(summary.status).toBe('crashed');
    expect(summary.reason).toContain("with today's rail manifests");
    expect(summary.recovery).toMatchObject({ action: 'restored', adapter_source: 'workspace', rails_restored_by_road_runner: true, by: userInfo().username });
    expect(summary.recovery.rails.vcore_mv).toMatchObject({ nominal: 1000, manifest: 'adapters/vcore.yaml', manifest_sha256: sha });

    // Nothing blocks the next run.
    const next = await ws.run('quick', 'one');
    expect(next.code, show(next)).toBe(0);
  });

  it('an executable that is gone: the explanation says it never started; --clear needs --yes without a terminal, then clears and records it', async () => {
    ws = guardedWorkspace();
    const { runDir, runId, pgid } = await crashMidStep(ws);
    const script = path.join(ws.root, 'diags/rail-guard');
    const text = readFileSync(script, 'utf8');
    rmSync(script);

    const r = await ws.cli(['recover']);
    expect(r.code, show(r)).toBe(4);
    expect(r.stderr).toContain('vcore_mv (nominal 1000): NOT RESTORED');
    expect(r.stderr).toMatch(new RegExp(`ran ${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} set vcore_mv 1000: never started \\(.+\\)`));
    expect(existsSync(journalOf(ws))).toBe(true);
    const history = ws.railHistory('vcore_mv');

    // No terminal, no --yes: refused (exit 2) with the way to confirm; nothing changes.
    const noYes = await ws.cli(['recover', '--clear']);
    expect(noYes.code, show(noYes)).toBe(2);
    expect(noYes.stderr).toContain('refusing to clear the crash journal without confirmation');
    expect(noYes.stderr).toContain('pass --yes');
    expect(existsSync(journalOf(ws))).toBe(true);
    // --clear and --with-current-adapters together make no sense.
    expect((await ws.cli(['recover', '--clear', '--with-current-adapters', '--yes'])).code).toBe(2);
    expect(existsSync(journalOf(ws))).toBe(true);

    const cleared = await ws.cli(['recover', '--clear', '--yes']);
    expect(cleared.code, show(cleared)).toBe(0);
    expect(cleared.stdout).toContain(`cleared the crash journal of run ${runId}`);
    expect(cleared.stdout).toContain('vcore_mv: NOT restored by road_runner (confirmed at nominal 1000 by the operator)');
    expect(existsSync(journalOf(ws))).toBe(false);
    expect(existsSync(path.join(ws.runs, '.journal.pgids'))).toBe(false);
    // No actuator was called; the orphaned diagnostic was still ended.
    expect(ws.railHistory('vcore_mv')).toEqual(history);
    expect(groupMembers(pgid)).toEqual([]);
    const summary = readJson(path.join(runDir, 'summary.json'));
    expect(summary.status).toBe('crashed');
    expect(summary.reason).toContain('rails were NOT restored by road_runner');
    expect(summary.recovery).toMatchObject({ action: 'cleared', by: userInfo().username, rails_restored_by_road_runner: false, adapter_source: null });
    expect(summary.recovery.rails).toEqual({ vcore_mv: { nominal: 1000, adapter: 'vcore' }, freq_mhz: { nominal: 2400, adapter: 'freq' } });
    expect(Date.parse(summary.recovery.at)).not.toBeNaN();
    const clearedEvents = readEvents(runDir).filter((e) => e.event === 'journal_cleared');
    expect(clearedEvents).toHaveLength(1);
    expect(clearedEvents[0]).toMatchObject({ run_id: runId, by: userInfo().username, rails_restored_by_road_runner: false });
    expect(readJson(path.join(subrunFolders(runDir)[0]!, 'summary.json')).status).toBe('crashed');

    // The next run is not blocked (the actuator back in place).
    writeFileSync(script, text, { mode: 0o755 });
    const next = await ws.run('quick', 'one');
    expect(next.code, show(next)).toBe(0);
    expect(next.stderr).not.toContain('recovered crashed run');
    // And there is nothing left to recover.
    const again = await ws.cli(['recover', '--clear', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to recover');
  });
});

describe('a rail whose set never started was not touched', { timeout: 60_000 }, () => {
  it('the run aborts (exit 4) with no journal, no RAIL NOT RESTORED and no restore of that rail', async () => {
    // The file is there and executable, so the run starts; its interpreter is not: spawn fails.
    ws = createWorkspace({
      flows: FLOWS, margins: { v: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 950 } } } } },
      scripts: { 'rail-broken': '#!/nonexistent/interpreter\n' }, adapters: { vcore: railAdapter('rail-broken') },
    });
    const r = await ws.run('quick', 'v');
    expect(r.code, show(r)).toBe(4);
    expect(r.stderr).not.toContain('WARNING');
    expect(r.stdout + r.stderr).not.toContain('NOT RESTORED');
    expect(existsSync(journalOf(ws))).toBe(false);
    const dir = ws.onlyRun();
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.status).toBe('aborted');
    expect(sub.reason).toMatch(/actuator failure: .*its actuator never ran: vcore_mv was not changed/);
    expect(sub.reason).not.toContain('RAIL NOT RESTORED');
    const events = readEvents(dir);
    expect(events.find((e) => e.event === 'margin_set')).toMatchObject({ rail: 'vcore_mv', requested: 950, ok: false, set_started: false });
    expect(events.filter((e) => e.event === 'margin_restore')).toEqual([]);
    expect(events.filter((e) => e.event === 'step_start')).toEqual([]);
    // A following recover has nothing to do.
    const rec = await ws.cli(['recover']);
    expect(rec.stdout).toContain('nothing to recover');
  });

  it('a set that started and failed is touched: restored or reported, the journal kept', async () => {
    ws = createWorkspace({ flows: FLOWS, margins: { v: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 950 } } } } } });
    const r = await ws.run('quick', 'v', [], { env: { RR_SIM_RAIL_FAIL_SET: '1' } });
    expect(r.code, show(r)).toBe(4);
    const events = readEvents(ws.onlyRun());
    expect(events.find((e) => e.event === 'margin_set')).toMatchObject({ ok: false, set_started: true });
    expect(events.filter((e) => e.event === 'margin_restore')).toHaveLength(1);
    expect(r.stderr).toContain('WARNING: a rail could not be verified back at nominal');
    expect(existsSync(journalOf(ws))).toBe(true);
  });
});
