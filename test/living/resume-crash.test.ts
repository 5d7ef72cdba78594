// `run --resume ID` after kill -9 of road_runner in sub-run 3 of 5: recovery first marks
// exactly the active point `crashed`; that point is kept (not run again) unless
// --retry-crashed; the rest run; the parent summary accounts for every point.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, waitFor, type TestWorkspace } from '../run/workspace.js';
import { NAP_ADAPTER, NAP_SCRIPT, idOf, readRun, show, snapshotTree, stepStartsOf, vcorePoints } from './helpers.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

function napWorkspace(): TestWorkspace {
  return createWorkspace({ scripts: { nap: NAP_SCRIPT }, adapters: { nap: NAP_ADAPTER }, flows: { naps: { steps: [{ id: 'nap', adapter: 'nap' }] } }, margins: { five: vcorePoints(5) } });
}

/** Starts a 5-point run and kill -9s road_runner while sub-run 3's step runs. Returns the run folder. */
async function crashInThird(w: TestWorkspace): Promise<string> {
  const p = w.startRun('naps', 'five', ['--grace', '1']);
  const runFolder = await waitFor('the run folder', () => w.runFolders()[0]);
  await waitFor('sub-run 3 started', () => stepStartsOf(runFolder, `${idOf(runFolder)}-s02`).length > 0, 20_000);
  p.child.kill('SIGKILL');
  const r = await p.done;
  expect(r.signal).toBe('SIGKILL');
  expect(existsSync(path.join(w.runs, '.journal.json'))).toBe(true);
  expect(w.railState('vcore_mv')).toBe(970); // left margined by the crash
  return runFolder;
}

describe('run --resume after kill -9', { timeout: 45_000 }, () => {
  it('recovers first; exactly the active point is crashed and kept, the rest run, the summary counts it', async () => {
    ws = napWorkspace();
    const runFolder = await crashInThird(ws);
    const id = idOf(runFolder);
    const [s1, s2, s3] = subrunFolders(runFolder);
    const kept = { s1: snapshotTree(s1!), s2: snapshotTree(s2!) };

    const r = await ws.cli(['run', '--resume', id, '--yes', '--grace', '1']);
    expect(r.stderr).toContain(`recovered crashed run ${id} first`);
    expect(r.stdout).toContain(`resuming ${id}: 3 sub-runs kept, 2 to run; crashed: ${id}-s02 (kept; --retry-crashed runs them again)`);
    // A crashed point is not a pass: the run reports it like a failure.
    expect(r.code, show(r)).toBe(1);

    const statuses = subrunFolders(runFolder).map((d) => readJson(path.join(d, 'summary.json')).status);
    expect(statuses).toEqual(['passed', 'passed', 'crashed', 'passed', 'passed']);
    expect(readJson(path.join(s3!, 'summary.json')).reason).toContain('road_runner stopped');
    expect(snapshotTree(s1!)).toEqual(kept.s1);
    expect(snapshotTree(s2!)).toEqual(kept.s2);
    // The crashed point did not run again: its only step_start is the one before the crash.
    expect(stepStartsOf(runFolder, `${id}-s02`)).toHaveLength(1);
    const starts = readEvents(runFolder).filter((e) => e.event === 'step_start').map((e) => e.subrun_id.slice(id.length + 1));
    expect(starts).toEqual(['s00', 's01', 's02', 's03', 's04']);
    // Recovery restored the rails of sub-run 3 before anything else was set.
    const restores = readEvents(runFolder).filter((e) => e.event === 'margin_restore' && e.reason === 'crash recovery');
    expect(restores.map((e) => [e.subrun_id, e.rail, e.ok]).sort()).toEqual([[`${id}-s02`, 'freq_mhz', true], [`${id}-s02`, 'vcore_mv', true]]);

    const { summary } = readRun(runFolder);
    expect(summary.subruns.map((s: any) => s.status)).toEqual(['passed', 'passed', 'crashed', 'passed', 'passed']);
    expect(summary.status).toBe('failed');
    expect(summary.exit_code).toBe(1);
    // Every point is accounted for in the step counts: 4 passed, and the crashed point's step.
    const counts = summary.counts as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(5);
    expect(counts.passed).toBe(4);

    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
    // Same boot: no kernel evidence is gathered.
    expect(subrunFolders(runFolder).some((d) => existsSync(path.join(d, 'crash-evidence.json')))).toBe(false);

    // Nothing is left to run now: a second resume says so (the run counts as complete).
    const again = await ws.cli(['run', '--resume', id, '--yes']);
    expect(again.code, show(again)).toBe(2);
  });

  it('--retry-crashed runs the crashed point again, and the run passes', async () => {
    ws = napWorkspace();
    const runFolder = await crashInThird(ws);
    const id = idOf(runFolder);
    const r = await ws.cli(['run', '--resume', id, '--retry-crashed', '--yes', '--grace', '1']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toContain(`recovered crashed run ${id} first`);
    expect(r.stdout).toContain('(retried)');
    const statuses = subrunFolders(runFolder).map((d) => readJson(path.join(d, 'summary.json')).status);
    expect(statuses).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(stepStartsOf(runFolder, `${id}-s02`)).toHaveLength(2);
    const { summary } = readRun(runFolder);
    expect(summary.status).toBe('passed');
    expect(summary.counts).toEqual({ passed: 5, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 });
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
  });

  it('after a reboot: crash evidence in the crashed sub-run, collected once; the resumed run records the new boot', async () => {
    ws = napWorkspace();
    const runFolder = await crashInThird(ws);
    const id = idOf(runFolder);
    const bootNow = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // The run started on another boot: what the summary says after the host went down.
    const pretendOtherBoot = () => {
      const file = path.join(runFolder, 'summary.json');
      writeFileSync(file, JSON.stringify({ ...readJson(file), boot_id: '00000000-0000-4000-8000-000000000000' }));
    };
    pretendOtherBoot();
    const p = ws.startCli(['run', '--resume', id, '--yes', '--grace', '1']);
    await waitFor('sub-run 4 started', () => stepStartsOf(runFolder, `${id}-s03`).length > 0, 20_000);
    p.child.kill('SIGINT');
    const first = await p.done;
    expect(first.code, show(first)).toBe(130);
    expect(first.stderr).toContain(`host rebooted since ${id} started`);
    const [, , s3] = subrunFolders(runFolder);
    const evidenceFile = path.join(s3!, 'crash-evidence.json');
    const evidence = readJson(evidenceFile);
    for (const source of ['kernel_log_previous_boot', 'pstore', 'edac']) {
      const e = evidence[source];
      if (e.available) expect(e.value).toBeDefined();
      else expect(typeof e.reason === 'string' && e.reason.length > 0, JSON.stringify(e)).toBe(true);
    }
    expect(subrunFolders(runFolder).filter((d) => existsSync(path.join(d, 'crash-evidence.json')))).toEqual([s3]);
    // The resumed run now lives on this boot.
    expect(readRun(runFolder).summary.boot_id).toBe(bootNow);

    // A later resume after yet another reboot must not replace the evidence of the boot that crashed.
    const kept = { bytes: readFileSync(evidenceFile), mtime: statSync(evidenceFile).mtimeMs };
    pretendOtherBoot();
    const second = await ws.cli(['run', '--resume', id, '--yes', '--grace', '1']);
    expect(second.code, show(second)).toBe(1);
    expect(readFileSync(evidenceFile).equals(kept.bytes)).toBe(true);
    expect(statSync(evidenceFile).mtimeMs).toBe(kept.mtime);
    expect(readRun(runFolder).summary.subruns.map((s: any) => s.status)).toEqual(['passed', 'passed', 'crashed', 'passed', 'passed']);
  });
});
