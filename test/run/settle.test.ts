// `settle: {timeout_ms, poll_ms}` (SPEC §3.1): the read-back is polled until it is within
// tolerance, instead of one read after a fixed wait. A rail that gets there after a few polls
// passes; one that never does fails with the timeout in the message, and goes back to nominal.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// Wraps sim-rail: after a `set`, `get` reports the value from before the set until its
// RR_SLOW_POLLS-th read; with RR_SLOW_NEVER=1 a value other than RR_SLOW_KEEP is then
// reported 50 too high for ever. Each read's number is appended to <rail>.reads.
const SLOW_RAIL = `#!/bin/sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$RR_SIM_RAIL_DIR
mkdir -p "$dir"
case "$1" in
  set)
    "$here/sim-rail" get "$2" > "$dir/$2.old"
    echo 0 > "$dir/$2.polls"
    echo "set $3" >> "$dir/$2.reads"
    exec "$here/sim-rail" "$@" ;;
  get)
    n=$(cat "$dir/$2.polls" 2>/dev/null || echo 1000)
    n=$((n + 1)); echo "$n" > "$dir/$2.polls"; echo "read $n" >> "$dir/$2.reads"
    if [ "$n" -lt "\${RR_SLOW_POLLS:-1}" ]; then cat "$dir/$2.old"; exit 0; fi
    v=$("$here/sim-rail" get "$2")
    if [ "\${RR_SLOW_NEVER:-0}" = 1 ] && [ "$v" != "\${RR_SLOW_KEEP:-}" ]; then echo $((v + 50)); else echo "$v"; fi ;;
esac
`;

const FLOW = { f: { steps: [{ id: 'p', adapter: 'pass' }] } };
const MARGIN = { hi: { global_seed: 1, targets: { default: { vcore_mv: { fixed: 1050 } } } } };
const slowVcore = (more: Record<string, unknown>) => ({
  kind: 'rail', rail: 'vcore_mv', executable: 'slow-rail', set: ['set', 'vcore_mv', '{value}'], get: ['get', 'vcore_mv'], nominal: 1000, tolerance: 2, ...more,
});

describe('run: settle polling', () => {
  it('a rail that reaches its value after a few read-backs passes', async () => {
    ws = createWorkspace({ flows: FLOW, margins: MARGIN, scripts: { 'slow-rail': SLOW_RAIL }, adapters: { vcore: slowVcore({ settle: { timeout_ms: 10000, poll_ms: 20 } }) } });
    const r = await ws.run('f', 'hi', [], { env: { RR_SLOW_POLLS: '4', RR_SIM_RAIL_NOMINAL: '1000' } });
    expect(r.code).toBe(0);
    const events = readEvents(ws.onlyRun());
    expect(events.find((e) => e.event === 'margin_set')).toMatchObject({ requested: 1050, read_back: 1050, ok: true });
    // The fourth read-back after the set was the first to show 1050.
    const reads = readFileSync(path.join(ws.simDir, 'vcore_mv.reads'), 'utf8').trim().split('\n');
    expect(reads.slice(0, 5)).toEqual(['set 1050', 'read 1', 'read 2', 'read 3', 'read 4']);
    expect(ws.railState('vcore_mv')).toBe(1000);
  });

  it('the same rail without settle polling fails: one read-back still shows the old value', async () => {
    ws = createWorkspace({ flows: FLOW, margins: MARGIN, scripts: { 'slow-rail': SLOW_RAIL }, adapters: { vcore: slowVcore({ settle_ms: 50 }) } });
    const r = await ws.run('f', 'hi', [], { env: { RR_SLOW_POLLS: '4', RR_SIM_RAIL_NOMINAL: '1000' } });
    expect(r.code).toBe(4);
    const set = readEvents(ws.onlyRun()).find((e) => e.event === 'margin_set');
    expect(set).toMatchObject({ requested: 1050, ok: false });
    expect(set!.error).toBe('vcore_mv read back 1000 after setting 1050: off by 50, tolerance 2');
  });

  it('a rail that never settles fails with the timeout in the message, and is put back at nominal', async () => {
    ws = createWorkspace({ flows: FLOW, margins: MARGIN, scripts: { 'slow-rail': SLOW_RAIL }, adapters: { vcore: slowVcore({ settle: { timeout_ms: 1500, poll_ms: 50 } }) } });
    const started = performance.now();
    const r = await ws.run('f', 'hi', [], { env: { RR_SLOW_NEVER: '1', RR_SLOW_KEEP: '1000' } });
    expect(r.code).toBe(4);
    const dir = ws.onlyRun();
    const events = readEvents(dir);
    const set = events.find((e) => e.event === 'margin_set')!;
    expect(set).toMatchObject({ requested: 1050, read_back: 1100, ok: false });
    expect(set.error).toMatch(/^vcore_mv read back 1100 after setting 1050: off by 50, tolerance 2 \(not settled within settle.timeout_ms 1500 ms, \d+ read-backs\)$/);
    // It read back more than once (how many times fit in 1.5 s depends on the host's load).
    const polls = Number(/(\d+) read-backs/.exec(set.error)![1]);
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(events.find((e) => e.event === 'margin_restore')).toMatchObject({ requested: 1000, read_back: 1000, ok: true, reason: 'abort' });
    expect(ws.railState('vcore_mv')).toBe(1000);
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.reason).toMatch(/actuator failure: .*not settled within settle.timeout_ms 1500 ms/);
    expect(sub.steps.map((s: any) => s.status)).toEqual(['skipped']);
    expect(existsSync(path.join(ws.runs, '.journal.json'))).toBe(false);
  });
});
