import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { listRuns } from '../../src/runs/catalog.js';
import { showRun } from '../../src/runs/runDetail.js';
import { findClosestRunId } from '../../src/runs/runFolders.js';
import { renderRunDetail, renderRunList } from '../../src/runs/runsText.js';
import { boundarySweep, makeRunId, makeWorkspace, removeWorkspace, writeRun } from './builders.js';

let root: string;
let runs: string;

beforeEach(() => {
  root = makeWorkspace();
  runs = join(root, 'runs');
});
afterEach(() => removeWorkspace(root));

const at = (iso: string) => new Date(iso);
const sweep = () => boundarySweep([850, 900], [2000, 2400], (f) => (f === 2000 ? 800 : 875));

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('runs list', () => {
  it('lists runs newest first with unit, flow, margin, status, counts and duration', () => {
    const older = makeRunId(at('2024-01-10T08:00:00Z'), '000001');
    const newer = makeRunId(at('2024-01-12T08:00:00Z'), '000002');
    writeRun(root, { runId: older, startedAt: '2024-01-10T08:00:00.000Z', status: 'failed', unit: 'SN7', subruns: [{ point: { vcore_mv: 800 }, status: 'failed', steps: [{ step_id: 'smoke', status: 'failed' }] }] });
    writeRun(root, { runId: newer, startedAt: '2024-01-12T08:00:00.000Z', unit: 'SN8', margin: 'vf', subruns: sweep() });
    const rows = listRuns(root);
    expect(rows.map((r) => r.id)).toEqual([newer, older]);
    expect(rows[0]).toMatchObject({ unit: 'SN8', flow: 'sample_flow', margin: 'vf', status: 'passed', start_source: 'summary', duration_ms: 60_000, notes: [] });
    expect(rows[0]!.counts).toEqual({ passed: 12, failed: 1, timeout: 0, error: 0, interrupted: 0, skipped: 3, marginal: 0 });
    expect(rows[1]).toMatchObject({ unit: 'SN7', status: 'failed', counts: expect.objectContaining({ failed: 1 }) });
    const text = renderRunList(rows).join('\n');
    expect(text).toContain('12 passed, 1 failed, 3 skipped');
    expect(text).toMatch(new RegExp(`${newer}\\s+2024-01-12 08:00:00Z\\s+SN8\\s+sample_flow\\s+vf\\s+passed`));
  });

  it('lists damaged and incomplete folders with a note instead of failing', () => {
    const good = makeRunId(at('2024-01-12T08:00:00Z'), '00000a');
    const broken = makeRunId(at('2024-01-13T08:00:00Z'), '00000b');
    const planOnly = makeRunId(at('2024-01-14T08:00:00Z'), '00000c');
    const empty = makeRunId(at('2024-01-15T08:00:00Z'), '00000d');
    const wrongShape = makeRunId(at('2024-01-16T08:00:00Z'), '00000e');
    writeRun(root, { runId: good, startedAt: '2024-01-12T08:00:00.000Z', subruns: sweep() });
    writeRun(root, { runId: broken, subruns: sweep() });
    writeFileSync(join(runs, broken, 'summary.json'), '{"run_id": "x", "status": ');
    mkdirSync(join(runs, planOnly));
    writeFileSync(join(runs, planOnly, 'plan.json'), JSON.stringify({ run_id: planOnly, flow: 'f1', margin: 'm1' }));
    mkdirSync(join(runs, empty));
    mkdirSync(join(runs, wrongShape));
    writeFileSync(join(runs, wrongShape, 'summary.json'), '[1, 2]');
    for (const id of [broken, planOnly, empty, wrongShape]) utimesSync(join(runs, id), at('2024-02-01T00:00:00Z'), at('2024-02-01T00:00:00Z'));
    const rows = listRuns(root);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(good)).toMatchObject({ status: 'passed' });
    expect(byId.get(broken)).toMatchObject({ status: 'damaged', start_source: 'mtime', flow: 'sample_flow' });
    expect(byId.get(broken)!.notes.join()).toMatch(/not valid JSON.*summary\.json:1:/);
    expect(byId.get(planOnly)).toMatchObject({ status: 'unknown', flow: 'f1', margin: 'm1' });
    expect(byId.get(planOnly)!.notes.join()).toMatch(/no summary\.json/);
    expect(byId.get(empty)).toMatchObject({ status: 'damaged' });
    expect(byId.get(wrongShape)!.notes.join()).toMatch(/not a JSON object/);
    expect(rows.at(-1)!.id).toBe(good); // the folder-time ones (February) sort as newer
    expect(renderRunList(rows).at(-1)).toMatch(/folder time/);
  });

  it('shows a run-named symlink without following it, and a live locked run as running', () => {
    const outside = mkdtempSync(join(tmpdir(), 'rr-outside-'));
    try {
      const link = makeRunId(at('2024-01-20T08:00:00Z'), '0000aa');
      symlinkSync(outside, join(runs, link));
      const live = makeRunId(at('2024-01-21T08:00:00Z'), '0000ab');
      writeRun(root, { runId: live, status: 'planned', subruns: sweep() });
      mkdirSync(join(runs, '.lock'));
      writeFileSync(join(runs, '.lock-owner.json'), JSON.stringify({ run_id: live, pid: process.pid, hostname: hostname(), started_at: '2024-01-21T08:00:00Z', pid_start_time: null }));
      const byId = new Map(listRuns(root).map((r) => [r.id, r]));
      expect(byId.get(link)).toMatchObject({ status: 'unknown' });
      expect(byId.get(link)!.notes[0]).toBe(`symlink to ${outside}: not followed`);
      expect(byId.get(live)).toMatchObject({ status: 'running' });
      rmSync(join(runs, live, 'summary.json')); // just started: lock taken, summary not written yet
      expect(listRuns(root).find((r) => r.id === live)).toMatchObject({ status: 'running', notes: [] });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('is empty for a workspace without runs/', () => {
    rmSync(runs, { recursive: true });
    expect(listRuns(root)).toEqual([]);
    expect(renderRunList([])).toEqual(['no runs yet']);
  });
});

describe('runs show', () => {
  it('gives the summary, one row per sub-run with its point and counts, and the reports present', () => {
    const id = makeRunId(at('2024-01-12T08:00:00Z'), '0000b1');
    const dir = writeRun(root, { runId: id, startedAt: '2024-01-12T08:00:00.000Z', status: 'failed', unit: 'SN9', subruns: boundarySweep([800, 900], [2000, 2800], (f) => (f === 2000 ? 800 : 850)) });
    writeFileSync(join(dir, 'report.html'), '<html></html>');
    writeFileSync(join(dir, 'export.csv'), 'run_id\n');
    rmSync(join(dir, `${id}-s04`, 'summary.json'));
    const d = showRun(root, id);
    expect(d.listing).toMatchObject({ id, unit: 'SN9', status: 'failed' });
    expect(d.subruns.map((s) => [s.id.slice(-3), s.status])).toEqual([['s01', 'passed'], ['s02', 'failed'], ['s03', 'passed'], ['s04', 'passed']]);
    expect(d.subruns[1]).toMatchObject({ point: { vcore_mv: 800, freq_mhz: 2800 }, counts: expect.objectContaining({ failed: 1, skipped: 3 }) });
    expect(d.subruns[3]).toMatchObject({ counts: null, note: 'no sub-run summary.json', point: { vcore_mv: 900, freq_mhz: 2800 } });
    expect(d.reports).toEqual([join(dir, 'report.html'), join(dir, 'export.csv')]);
    const text = renderRunDetail(d, root).join('\n');
    expect(text).toContain(`run ${id}: failed`);
    expect(text).toMatch(/s02\s+vcore_mv 800, freq_mhz 2800\s+failed\s+1 failed, 3 skipped/);
    expect(text).toContain(`runs/${id}/report.html`);
    expect(text).not.toContain('report.md');
  });

  it('names an unknown or malformed id and the closest known one', () => {
    const id = makeRunId(at('2024-01-12T08:00:00Z'), 'c0ffee');
    writeRun(root, { runId: id, subruns: sweep() });
    const typo = id.replace('c0ffee', 'c0ffea');
    const unknown = usageErrorOf(() => showRun(root, typo));
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toContain(`run ${typo} not found`);
    expect(unknown.hint).toContain(`closest known run id is ${id}`);
    const malformed = usageErrorOf(() => showRun(root, '../etc'));
    expect(malformed.message).toContain('"../etc" is not a run id');
    expect(malformed.hint).toContain(id);
  });

  it('picks the closest id by edit distance', () => {
    const ids = ['rr-20240112T080000Z-aaaaaa', 'rr-20240301T080000Z-bbbbbb'];
    expect(findClosestRunId('rr-20240301T080000Z-bbbbbc', ids)).toBe(ids[1]);
    expect(findClosestRunId('x', [])).toBeNull();
  });
});
