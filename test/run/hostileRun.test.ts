// What a run lets reach its children, and what it lets run (SPEC §15): the operator's own RR_*
// variables never reach a diagnostic, road_runner's own RR_* names never reach an actuator,
// and an executable changed after the run hashed it is not launched (the run stops, exit 4,
// rails back at nominal).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// Reads the `NAME=value` lines a fixture printed into a map.
function envLines(text: string): Record<string, string> {
  const lines = text.trim().split('\n').filter(Boolean);
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function stepLog(dir: string, stream: 'stdout' | 'stderr', logName: string): string {
  return readFileSync(path.join(dir, stream, logName), 'utf8');
}

describe('the environment of diagnostics and actuators', () => {
  it("the operator's RR_* variables never reach a diagnostic; road_runner's own never reach an actuator", async () => {
    // An actuator that records the RR_* variables it was given, then acts as sim-rail.
    const envRail = '#!/bin/sh\nenv | grep \'^RR_\' | sort >> "$RR_SIM_RAIL_DIR/actuator-env"\necho --- >> "$RR_SIM_RAIL_DIR/actuator-env"\nexec "$(dirname "$0")/sim-rail" "$@"\n';
    ws = createWorkspace({
      scripts: { 'env-rail': envRail },
      adapters: {
        vcore: { kind: 'rail', rail: 'vcore_mv', executable: 'env-rail', set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'], nominal: 1000, tolerance: 2, settle_ms: 0 },
      },
      flows: { env: { steps: [{ id: 'env', adapter: 'print-env' }] } },
    });
    const operator = { RR_MARGIN_VCORE_MV: '999', RR_MARGIN_VDDQ_MV: '1', RR_STRAY: 'from-the-shell', RR_HOST_FILE: ws.hostFile, RR_RUN_ID: 'forged' };
    const r = await ws.run('env', 'one', [], { env: operator });
    expect(r.code, r.stderr).toBe(0);
    const dir = ws.onlyRun();
    const runId = path.basename(dir);
    const summary = readJson(path.join(dir, 'summary.json'));
    const subDir = path.join(dir, 'subruns', summary.subruns[0].id);
    const sub = readJson(path.join(subDir, 'summary.json'));
    const diag = envLines(stepLog(subDir, 'stdout', sub.steps[0].log_name));
    // Exactly the run's variables: the planned margins, no stray, no forged id, no option variables.
    expect(diag).toEqual({
      RR_RUN_ID: runId, RR_SUBRUN_ID: sub.id, RR_UNIT: 'SN1', RR_SEED: String(sub.seed), RR_STEP_ID: 'env',
      // road_runner's own per-step marker (docs/decisions.md, processes of a run).
      RR_STEP_MARK: `${sub.id}/${sub.steps[0].index}`,
      RR_MARGIN_VCORE_MV: '950', RR_MARGIN_FREQ_MHZ: '2000', RR_MARGIN_VDDQ_MV: '1210',
    });
    // The actuator set 950 and restored 1000; it kept its own configuration (RR_SIM_RAIL_DIR,
    // RR_STRAY) but never saw road_runner's names with the operator's values.
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000]);
    const calls = readFileSync(path.join(ws.simDir, 'actuator-env'), 'utf8').split('---\n').filter((c) => c.trim() !== '').map(envLines);
    expect(calls.length).toBeGreaterThanOrEqual(3); // set, read-back, restore…
    for (const call of calls) {
      expect(call.RR_SIM_RAIL_DIR).toBe(ws.simDir);
      expect(call.RR_HOST_FILE).toBeUndefined();
      expect(call.RR_MARGIN_VCORE_MV === '999' || call.RR_MARGIN_VDDQ_MV === '1').toBe(false);
      expect(call.RR_RUN_ID).toBe(runId);
    }
  });
});

describe('executables are checked when they are launched', () => {
  // A diagnostic, and a step that rewrites it in place (same inode, other bytes) or with the same bytes.
  const victim = '#!/bin/sh\necho victim-original\n';
  const flows = (rewrite: string) => ({
    swap: {
      steps: [
        { id: 'before', adapter: 'victim', on_fail: 'continue' },
        { id: 'swap', adapter: 'swapper', params: { text: rewrite }, on_fail: 'continue' },
        { id: 'after', adapter: 'victim', on_fail: 'continue' },
        { id: 'last', adapter: 'pass', on_fail: 'continue' },
      ],
    },
  });
  const setup = (rewrite: string) => {
    const w = createWorkspace({
      scripts: {
        victim,
        // Writes its argument into diags/victim (the workspace root is given in the adapter env).
        swapper: '#!/bin/sh\nprintf "%s" "$1" > "$WS_ROOT/diags/victim"\n',
      },
      adapters: {
        victim: { executable: 'victim', timeout_s: 30 },
        swapper: { executable: 'swapper', timeout_s: 30, params: { text: { type: 'string', required: true } } },
      },
      flows: flows(rewrite),
    });
    // The adapter needs the absolute root; rewrite its manifest now that the folder exists.
    const manifest = path.join(w.root, 'adapters/swapper.yaml');
    appendFileSync(manifest, `env:\n  WS_ROOT: ${JSON.stringify(w.root)}\n`);
    return w;
  };

  it('a diagnostic replaced by an earlier step of the same run is not launched: error step, run stops, exit 4, rails restored', async () => {
    ws = setup('#!/bin/sh\necho victim-replaced\n');
    const r = await ws.run('swap', 'one');
    expect(r.code, r.stderr + r.stdout).toBe(4);
    const dir = ws.onlyRun();
    const summary = readJson(path.join(dir, 'summary.json'));
    expect(summary.status).toBe('aborted');
    expect(summary.reason).toMatch(/executable diags\/victim changed since the run started \(sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}… in sysinfo\.json\)/);
    const subDir = path.join(dir, 'subruns', summary.subruns[0].id);
    const sub = readJson(path.join(subDir, 'summary.json'));
    expect(sub.steps.map((s: { status: string }) => s.status)).toEqual(['passed', 'passed', 'error', 'skipped']);
    expect(sub.steps[2].error).toMatch(/^executable diags\/victim changed since the run started/);
    // The replaced file never ran; the first step ran the recorded one.
    expect(stepLog(subDir, 'stdout', sub.steps[0].log_name)).toBe('victim-original\n');
    expect(existsSync(path.join(subDir, 'stdout', sub.steps[2].log_name))).toBe(false);
    const ends = readEvents(dir).filter((e) => e.event === 'step_end');
    expect(ends.map((e) => e.step_id)).toEqual(['before', 'swap', 'after']);
    // The hash it was checked against is the one sysinfo.json recorded.
    const sysinfo = readJson(path.join(dir, 'sysinfo.json'));
    const recorded = JSON.stringify(sysinfo).match(/"sha256":"([0-9a-f]{64})"/g) ?? [];
    expect(recorded.length).toBeGreaterThan(0);
    // Rails back at nominal.
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(r.stdout).toContain('aborted');
  });

  it('an executable rewritten with the same bytes (a new mtime) is hashed again and still runs', async () => {
    ws = setup(victim);
    const r = await ws.run('swap', 'one');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const dir = ws.onlyRun();
    const summary = readJson(path.join(dir, 'summary.json'));
    const subDir = path.join(dir, 'subruns', summary.subruns[0].id);
    const sub = readJson(path.join(subDir, 'summary.json'));
    expect(sub.steps.map((s: { status: string }) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(stepLog(subDir, 'stdout', sub.steps[2].log_name)).toBe('victim-original\n');
  });
});

