// The disk fills up mid-run, on a real tiny tmpfs mounted over the workspace's runs/ folder: the
// run ends with rails at nominal, the reason in its summary (never left `planned`), exit 4 and
// one line, never a stack trace; a diagnostic that failed only because the disk is full is an
// `error` step, not a margin failure, and the run stops there. Mounting needs root: elsewhere
// these tests skip (CI runs as root with REQUIRE_SYSTEM_TOOLS=1, and there they must run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, processesUnder, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';

/** Whether this process may mount a tmpfs (root, and not in a container that forbids it). */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(tmpdir(), 'rr-tmpfs-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' }).status !== 0) return false;
    spawnSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } finally {
    rmdirSync(probe);
  }
}
const mountable = canMountTmpfs();
if (!mountable && !required) console.warn('skipping diskFull.test.ts: this process cannot mount a tmpfs (needs root); REQUIRE_SYSTEM_TOOLS=1 makes this a failure');

let ws: TestWorkspace | undefined;
afterEach(() => {
  if (ws) {
    for (const p of processesUnder(ws.runs)) spawnSync('kill', ['-9', String(p.pid)]);
    for (const dir of ws.runFolders()) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    spawnSync('umount', ['-l', ws.runs], { stdio: 'ignore' });
    ws.dispose();
  }
  ws = undefined;
});

const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

/** A workspace whose runs/ is a fresh tmpfs of `size` (mount's syntax, e.g. 8m). */
function workspaceOnTmpfs(size: string, opts: Parameters<typeof createWorkspace>[0]): TestWorkspace {
  const w = createWorkspace(opts);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', w.runs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount tmpfs on ${w.runs}: ${r.stderr}`);
  return w;
}

/** Rails at nominal, nothing of the run left running, no reserve, journal or lock left in runs/. */
function expectClosedCleanly(w: TestWorkspace, stderr: string): void {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  expect(w.railState('vcore_mv')).toBe(1000);
  expect(w.railState('freq_mhz')).toBe(2400);
  expect(processesUnder(w.runs)).toEqual([]);
  expect(readdirSync(w.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  expect(readdirSync(w.onlyRun()).filter((n) => n.startsWith('.'))).toEqual([]);
}

describe.skipIf(!mountable && !required)('run: a full disk mid-run (tmpfs)', () => {
  it('this host can mount a tmpfs (root; CI)', () => {
    expect(mountable, 'REQUIRE_SYSTEM_TOOLS=1 but mounting a tmpfs failed (needs root)').toBe(true);
  });

  it("a diagnostic's own ENOSPC is an error step, not a margin failure, and stops the run: exit 4", async () => {
    // Fills the disk that holds its working folder, and fails as a diagnostic would.
    const fill = '#!/bin/sh\nhead -c 100000000 /dev/zero > fill.bin || { echo "fill: write failed" >&2; exit 7; }\n';
    ws = workspaceOnTmpfs('8m', {
      scripts: { fill },
      adapters: { fill: { executable: 'fill', timeout_s: 60 } },
      flows: { f: { steps: [{ id: 'fill', adapter: 'fill' }, { id: 'after', adapter: 'pass' }] } },
      margins: { two: TWO },
    });
    const r = await ws.run('f', 'two');
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/run rr-\S+: aborted \(.*full/);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
    expect(s.reason).toMatch(/is full/);
    expect(s.counts).toMatchObject({ failed: 0, error: 1, passed: 0 });
    expect(s.subruns.map((x: any) => x.status)).toEqual(['aborted', 'planned']);
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.steps.map((x: any) => x.status)).toEqual(['error', 'skipped']);
    expect(sub.steps[0].error).toMatch(/is full.*not counted as a margin failure \(exit code 7\)/);
    const events = readEvents(dir);
    expect(events.filter((e) => e.event === 'margin_restore').map((e) => [e.rail, e.ok, e.reason]).sort()).toEqual([['freq_mhz', true, 'abort'], ['vcore_mv', true, 'abort']]);
    expect(events.find((e) => e.event === 'step_end')).toMatchObject({ step_id: 'fill', status: 'error' });
    expectClosedCleanly(ws, r.stderr);
  });

  it('scanned output that no longer fits: error step, run aborted with the reason, exit 4', async () => {
    ws = workspaceOnTmpfs('8m', {
      flows: { f: { steps: [{ id: 'flood', adapter: 'flood-scan', params: { mib: 16 } }, { id: 'after', adapter: 'pass' }] } },
      margins: { two: TWO },
    });
    const r = await ws.run('f', 'two');
    expect(r.code, r.stderr).toBe(4);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
    expect(s.reason).toMatch(/is full/);
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.status).toBe('aborted');
    expect(sub.steps.map((x: any) => x.status)).toEqual(['error', 'skipped']);
    expect(sub.steps[0].error).toMatch(/ENOSPC/);
    expectClosedCleanly(ws, r.stderr);
  });

  it("the disk fills while a step passes: the run's own records fail next, the run stops aborted with the reason", async () => {
    // Fills the disk and still passes: the next record road_runner writes meets the full disk.
    const hog = '#!/bin/sh\nhead -c 100000000 /dev/zero > fill.bin 2>/dev/null\nexit 0\n';
    ws = workspaceOnTmpfs('8m', {
      scripts: { hog },
      adapters: { hog: { executable: 'hog', timeout_s: 60 } },
      flows: { f: { steps: [{ id: 'hog', adapter: 'hog' }, { id: 'after', adapter: 'print-args', params: { text: 'x'.repeat(100_000) } }] } },
      margins: { two: TWO },
    });
    const r = await ws.run('f', 'two');
    expect(r.code, r.stderr).toBe(4);
    const s = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
    expect(s.reason).toMatch(/full|ENOSPC/);
    expect(s.subruns[1].status).toBe('planned');
    expectClosedCleanly(ws, r.stderr);
  });

  it('the run folder turns read-only mid-run: the final summary is written in place through the held file, exit 4', async () => {
    // Makes its run folder read-only (a bind mount of itself, remounted ro), as a failing disk
    // that the kernel remounts read-only would.
    const ro = '#!/bin/sh\nrun=$(dirname "$(dirname "$PWD")")\nmount --bind "$run" "$run" && mount -o remount,bind,ro "$run"\n';
    ws = workspaceOnTmpfs('64m', {
      scripts: { ro },
      adapters: { ro: { executable: 'ro', timeout_s: 30 } },
      flows: { f: { steps: [{ id: 'ro', adapter: 'ro' }, { id: 'after', adapter: 'pass' }] } },
      margins: { two: TWO },
    });
    const r = await ws.run('f', 'two');
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/run rr-\S+: aborted \(.*EROFS/);
    const s = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
    expect(s.reason).toMatch(/not writable \(EROFS/);
    expect(s.subruns.map((x: any) => x.status)).toEqual(['aborted', 'planned']);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(processesUnder(ws.runs)).toEqual([]);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
