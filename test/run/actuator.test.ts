// Rail actuators that misbehave (SPEC §3.1, §5.2, §15): a read-back outside the effective
// bounds although within tolerance, a read-back that is not a finite number, and a `set` that
// hangs with a child holding its pipes. Each aborts the sub-run (exit 4) and the rail is put
// back at nominal through the same checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, isPidAlive, readEvents, readJson, subrunFolders, waitFor, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const FLOW = { f: { steps: [{ id: 'p', adapter: 'pass' }] } };
const vcoreWith = (more: Record<string, unknown>) => ({
  kind: 'rail', rail: 'vcore_mv', executable: 'sim-rail', set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'],
  nominal: 1000, tolerance: 2, settle_ms: 0, ...more,
});
const VCORE_ONLY = (v: number) => ({ global_seed: 1, targets: { default: { vcore_mv: { fixed: v } } } });

describe('run: read-back checked against the bounds', () => {
  it('a read-back above the policy maximum aborts although it is within tolerance; nominal is restored', async () => {
    // Policy max 1100. Set 1050, the rail reports 1150: within tolerance 200, above the max.
    ws = createWorkspace({ flows: FLOW, margins: { hi: VCORE_ONLY(1050) }, adapters: { vcore: vcoreWith({ tolerance: 200 }) } });
    const r = await ws.run('f', 'hi', [], { env: { RR_SIM_RAIL_OFFSET_VCORE_MV: '100' } });
    expect(r.code).toBe(4);
    const dir = ws.onlyRun();
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.status).toBe('aborted');
    expect(sub.reason).toMatch(/vcore_mv read back 1150 after setting 1050, outside the bounds: .*1150 is above max 1100 set by policy\/safety.yaml/);
    expect(sub.reason).not.toMatch(/RAIL NOT RESTORED/);
    expect(sub.steps.map((x: any) => x.status)).toEqual(['skipped']);
    const events = readEvents(dir);
    expect(events.filter((e) => e.event === 'step_start')).toEqual([]);
    expect(events.find((e) => e.event === 'margin_set')).toMatchObject({ requested: 1050, read_back: 1150, ok: false });
    // Restore: nominal 1000 reads back 1100, at the max: accepted.
    expect(events.find((e) => e.event === 'margin_restore')).toMatchObject({ requested: 1000, read_back: 1100, ok: true, reason: 'abort' });
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railHistory('vcore_mv')).toEqual([1050, 1000]);
  });

  it('a restore whose read-back lies outside the bounds is not accepted: the run says the rail is not restored', async () => {
    // Set 900, the rail reports 1050 (in bounds, within tolerance 200): the step runs. The
    // restore to 1000 then reads back 1150, above the max: not verified, journal kept, exit 4.
    ws = createWorkspace({ flows: FLOW, margins: { lo: VCORE_ONLY(900) }, adapters: { vcore: vcoreWith({ tolerance: 200 }) } });
    const r = await ws.run('f', 'lo', [], { env: { RR_SIM_RAIL_OFFSET_VCORE_MV: '150' } });
    expect(r.code).toBe(4);
    const dir = ws.onlyRun();
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.steps.map((x: any) => x.status)).toEqual(['passed']);
    expect(sub.reason).toMatch(/RAIL NOT RESTORED: vcore_mv read back 1150 after setting 1000, outside the bounds/);
    expect(r.stderr).toMatch(/WARNING: a rail could not be verified back at nominal/);
    const restore = readEvents(dir).filter((e) => e.event === 'margin_restore');
    expect(restore.at(-1)).toMatchObject({ requested: 1000, read_back: 1150, ok: false });
    expect(ws.railState('vcore_mv')).toBe(1000);
  });

  it('a read-back that is not a finite number is never accepted', async () => {
    ws = createWorkspace({ flows: FLOW, margins: { hi: VCORE_ONLY(1050) }, adapters: { vcore: vcoreWith({ executable: 'rail-inf', tolerance: 1e15 }) } });
    const r = await ws.run('f', 'hi');
    expect(r.code).toBe(4);
    const set = readEvents(ws.onlyRun()).find((e) => e.event === 'margin_set');
    expect(set).toMatchObject({ requested: 1050, read_back: null, ok: false });
    expect(set!.error).toMatch(/get printed "1e999", which is not a finite number/);
    expect(ws.railState('vcore_mv')).toBe(1000);
  });
});

describe('run: an actuator that hangs with a child holding its pipes', () => {
  for (const escaped of [false, true]) {
    it(`ends the call at its timeout and still restores the rail${escaped ? ' (child in its own session)' : ''}`, async () => {
      ws = createWorkspace({ flows: FLOW, margins: { hi: VCORE_ONLY(1050) }, adapters: { vcore: vcoreWith({ executable: 'rail-hang', timeout_s: 1 }) } });
      const pidfile = path.join(ws.root, 'child.pid');
      let child: number | null = null;
      try {
        const r = await ws.run('f', 'hi', [], { env: { RR_HANG_KEEP: '1000', RR_HANG_PIDFILE: pidfile, RR_HANG_SETSID: escaped ? '1' : '0' }, limitMs: 40_000 });
        child = Number(readFileSync(pidfile, 'utf8').trim());
        expect(r.code).toBe(4);
        const events = readEvents(ws.onlyRun());
        const set = events.find((e) => e.event === 'margin_set');
        expect(set).toMatchObject({ requested: 1050, ok: false });
        expect(set!.error).toMatch(/rail-hang|vcore/);
        expect(set!.error).toMatch(/timed out after 1000 ms/);
        expect(events.find((e) => e.event === 'margin_restore')).toMatchObject({ requested: 1000, read_back: 1000, ok: true });
        expect(ws.railHistory('vcore_mv')).toEqual([1000]);
        // A child inside the actuator's group ends with it.
        // Even a child that left for its own session is found (cgroup or marker) and ended by the end of the run.
        await waitFor('the actuator child to be gone', () => !isPidAlive(child!), 10_000);
      } finally {
        if (child !== null && isPidAlive(child)) process.kill(child, 'SIGKILL');
      }
    });
  }
});
