// A rail that does not reach its target (sim-rail skews what `get` reports; the state file
// holds what was set): the sub-run is aborted, nominal is written back, and because the
// restore cannot be verified either, road_runner says so, keeps the journal, and exits 4.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

describe('run: read-back mismatch', () => {
  it('aborts the sub-run, writes nominal back, reports the unverified restore and exits 4', async () => {
    ws = createWorkspace({ flows: { f: { steps: [{ id: 'p', adapter: 'pass' }] } }, margins: { two: TWO } });
    const r = await ws.run('f', 'two', [], { env: { RR_SIM_RAIL_OFFSET_VCORE_MV: '50' } });
    expect(r.code).toBe(4);
    const dir = ws.onlyRun();

    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('aborted');
    expect(s.exit_code).toBe(4);
    expect(s.subruns.map((x: any) => x.status)).toEqual(['aborted', 'planned']);
    expect(s.reason).toMatch(/vcore_mv read back 1000 after setting 950/);
    const [first] = subrunFolders(dir);
    const sub = readJson(path.join(first!, 'summary.json'));
    expect(sub.status).toBe('aborted');
    expect(sub.reason).toMatch(/actuator failure: vcore_mv read back 1000 after setting 950: off by 50, tolerance 2/);
    expect(sub.reason).toMatch(/RAIL NOT RESTORED/);
    expect(sub.steps.map((x: any) => x.status)).toEqual(['skipped']);
    expect(r.stdout).toContain('aborted');
    // The operator is told, on stderr, that the host may still be margined and what to do.
    expect(r.stderr).toMatch(/WARNING: a rail could not be verified back at nominal/);
    expect(r.stderr).toMatch(/fix: .*road_runner recover/);

    const events = readEvents(dir);
    expect(events.filter((e) => e.event === 'step_start')).toEqual([]);
    const set = events.find((e) => e.event === 'margin_set' && e.rail === 'vcore_mv');
    expect(set).toMatchObject({ requested: 950, read_back: 1000, ok: false });
    const restore = events.find((e) => e.event === 'margin_restore' && e.rail === 'vcore_mv');
    expect(restore).toMatchObject({ requested: 1000, read_back: 1050, ok: false, reason: 'abort' });
    // freq_mhz was never touched: the abort came first.
    expect(ws.railHistory('freq_mhz')).toEqual([]);

    // The actuator's own state: nominal written back (twice: restore retries once).
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000, 1000]);
    // The restore could not be verified: the journal stays for `recover`; the lock does not.
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(true);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.lock'))).toEqual([]);

    // Once the rail reads back right, `recover` verifies nominal and clears the journal.
    const rec = await ws.cli(['recover']);
    expect(rec.code).toBe(0);
    expect(rec.stdout).toContain(`recovered run ${path.basename(dir)}`);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });

  it('a set that fails outright aborts the run (exit 4) before the rail ever moves', async () => {
    ws = createWorkspace({ flows: { f: { steps: [{ id: 'p', adapter: 'pass' }] } }, margins: { two: TWO } });
    const r = await ws.run('f', 'two', [], { env: { RR_SIM_RAIL_FAIL_SET: '1' } });
    expect(r.code).toBe(4);
    const s = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(s.status).toBe('aborted');
    expect(s.reason).toContain('controller refused vcore_mv=950');
    expect(r.stderr).toMatch(/WARNING: a rail could not be verified back at nominal/);
    expect(ws.railState('vcore_mv')).toBeNull();
    expect(readEvents(ws.onlyRun()).filter((e) => e.event === 'step_start')).toEqual([]);
  });
});
