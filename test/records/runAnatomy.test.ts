// The run folder anatomy of SPEC §5.3, written by a real run, and every reader on a run
// recorded in the earlier layout (test/fixtures/runs/, made by road_runner before the change):
// report, export (csv, json, junit), runs show, diff against a new run of the same sweep,
// and the resume reader.

import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, readJson, type TestWorkspace } from '../run/workspace.js';
import { createLayoutSweep } from './layoutSweep.js';
import { detectRunLayout, readRunEvents, runFolderLayout } from '../../src/records/runFolderLayout.js';

const LEGACY_ID = 'rr-20261130T022853Z-97994b';
const LEGACY_DIR = path.join(REPO, 'test/fixtures/runs', LEGACY_ID);

let ws: TestWorkspace;
let newId: string;
let newDir: string;

// Every file and folder under `dir`, relative, sorted; folders end with `/`.
function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = `${prefix}${name}`;
    if (statSync(path.join(dir, name)).isDirectory()) out.push(`${rel}/`, ...listTree(path.join(dir, name), `${rel}/`));
    else out.push(rel);
  }
  return out;
}

beforeAll(async () => {
  ws = createLayoutSweep();
  const r = await ws.run('tiny', 'tiny');
  expect(r.code, r.stderr).toBe(1); // one point fails
  newDir = ws.onlyRun();
  newId = path.basename(newDir);
  cpSync(LEGACY_DIR, path.join(ws.runs, LEGACY_ID), { recursive: true });
}, 120_000);

afterAll(() => ws?.dispose());

describe('run anatomy (SPEC §5.3)', () => {
  test('a run writes subruns/<RUN_ID>-sNN/ with its own steps.ldjson, numbered from 00', () => {
    const s0 = `subruns/${newId}-s00`;
    const s1 = `subruns/${newId}-s01`;
    const logs = (sub: string, names: string[]) => ['stderr/', ...names.map((n) => `stderr/${n}`), 'stdout/', ...names.map((n) => `stdout/${n}`)].map((p) => `${sub}/${p}`);
    expect(listTree(newDir)).toEqual([
      'boundary.json', 'inputs/', ...listTree(path.join(newDir, 'inputs')).map((p) => `inputs/${p}`),
      'plan.json', 'report.html', 'report.md',
      'subruns/',
      `${s0}/`, ...logs(s0, ['00_smoke-0.log', '01_smoke-1.log', '02_edge.log']), `${s0}/steps.ldjson`, `${s0}/summary.json`,
      `${s1}/`, ...logs(s1, ['00_smoke-0.log', '01_smoke-1.log', '02_edge.log', '03_after.log']), `${s1}/steps.ldjson`, `${s1}/summary.json`,
      'summary.json', 'sysinfo.json',
    ]);
    const plan = readJson(path.join(newDir, 'plan.json'));
    expect(plan.subruns.map((s: any) => [s.id, s.index])).toEqual([[`${newId}-s00`, 0], [`${newId}-s01`, 1]]);
    expect(plan.subruns[0].steps.map((s: any) => [s.index, s.log_name])).toEqual([[0, '00_smoke-0.log'], [1, '01_smoke-1.log'], [2, '02_edge.log'], [3, '03_after.log']]);
    // Each sub-run's events are in its own file, and keep run_id and subrun_id.
    for (const [i, sub] of [s0, s1].entries()) {
      const events = readFileSync(path.join(newDir, sub, 'steps.ldjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(events.length).toBeGreaterThan(0);
      expect(new Set(events.map((e) => `${e.run_id}/${e.subrun_id}`))).toEqual(new Set([`${newId}/${newId}-s0${i}`]));
      expect(events.filter((e) => e.event === 'step_end').map((e) => e.index)).toEqual(i === 0 ? [0, 1, 2] : [0, 1, 2, 3]);
    }
    expect(existsSync(path.join(newDir, 'steps.ldjson'))).toBe(false);
  });

  test('the records module tells the layouts apart and reads the events of both in order', async () => {
    expect(detectRunLayout(newDir, newId)).toBe('subruns');
    expect(detectRunLayout(LEGACY_DIR, LEGACY_ID)).toBe('flat');
    const oldLayout = runFolderLayout(LEGACY_DIR, LEGACY_ID);
    expect(oldLayout.listSubrunIds()).toEqual([`${LEGACY_ID}-s01`, `${LEGACY_ID}-s02`]);
    expect(oldLayout.stepLogPath(`${LEGACY_ID}-s01`, 'stderr', '03_edge.log')).toBe(`${LEGACY_ID}-s01/stderr/03_edge.log`);
    const ends = async (dir: string, id: string) => {
      const out: string[] = [];
      for await (const e of readRunEvents(runFolderLayout(dir, id))) if (e.event === 'step_end') out.push(`${String(e.step_id)}:${String(e.status)}`);
      return out;
    };
    const expected = ['smoke:passed', 'smoke:passed', 'edge:failed', 'smoke:passed', 'smoke:passed', 'edge:passed', 'after:passed'];
    expect(await ends(LEGACY_DIR, LEGACY_ID)).toEqual(expected);
    expect(await ends(newDir, newId)).toEqual(expected);
  });
});

describe('readers on a run in the earlier layout', { timeout: 120_000 }, () => {
  test('report re-renders it with the failure and its stderr tail', async () => {
    const r = await ws.cli(['report', '--run-id', LEGACY_ID]);
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(path.join(ws.runs, LEGACY_ID, 'report.md'), 'utf8');
    expect(md).toContain('MISCOMPARE at 0x1f00');
    expect(md).toContain(`${LEGACY_ID}-s01/stderr/03_edge.log`);
    expect(md).not.toMatch(/missing|not found/i);
  });

  test('export csv and json give the same rows as the new-layout run, log paths in each layout', async () => {
    for (const [id, base] of [[LEGACY_ID, ''], [newId, 'subruns/']] as const) {
      const r = await ws.cli(['export', '--run', id, '--format', 'json', '--out', '-']);
      expect(r.code, r.stderr).toBe(0);
      const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
      expect(rows.map((row) => `${String(row.step_id)}:${String(row.status)}`)).toEqual(
        ['smoke:passed', 'smoke:passed', 'edge:failed', 'smoke:passed', 'smoke:passed', 'edge:passed', 'after:passed']);
      const failed = rows[2]!;
      expect(failed.error).toEqual(expect.any(String));
      expect(typeof failed.seed).toBe('number');
      expect(failed.stderr_log).toMatch(new RegExp(`^${base}${id}-s0[01]/stderr/0[23]_edge\\.log$`));
      expect(readFileSync(path.join(ws.runs, id, String(failed.stderr_log)), 'utf8')).toContain('MISCOMPARE');
      const csv = await ws.cli(['export', '--run', id, '--format', 'csv', '--out', '-']);
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stdout.split('\n')[0]).toBe([
        'run_id', 'subrun_id', 'unit', 'step_index', 'step_id', 'adapter', 'status', 'exit_code', 'duration_ms', 'started_at', 'ended_at',
        'seed', 'error', 'stdout_log', 'stderr_log', 'margin_freq_mhz', 'margin_vcore_mv', 'metric_gflops', 'metric_iterations',
        'subrun_status', 'health_ce_delta', 'health_ue_delta', 'marginal',
      ].join(','));
      expect(csv.stdout.trim().split('\n')).toHaveLength(8);
    }
  });

  test('export junit holds every planned step of both layouts, skipped ones included, with equal classnames', async () => {
    const cases = async (id: string) => {
      const r = await ws.cli(['export', '--run', id, '--format', 'junit', '--out', '-']);
      expect(r.code, r.stderr).toBe(0);
      return [...r.stdout.matchAll(/<testcase classname="([^"]*)" name="[^"]*"[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g)].map((m) => ({
        classname: m[1]!, skipped: m[2]!.includes('<skipped'), out: /<system-out>([\s\S]*?)<\/system-out>/.exec(m[2]!)?.[1] ?? '',
      }));
    };
    const legacy = await cases(LEGACY_ID);
    const current = await cases(newId);
    expect(legacy).toHaveLength(8);
    expect(legacy.map((c) => c.classname)).toEqual(current.map((c) => c.classname));
    expect(current.map((c) => c.classname)).toContain('tiny.edge.vcore_mv=900');
    expect(current.filter((c) => c.skipped).map((c) => c.classname)).toEqual(['tiny.after.vcore_mv=900']);
    expect(legacy.filter((c) => c.skipped).map((c) => c.classname)).toEqual(['tiny.after.vcore_mv=900']);
    expect(current.find((c) => c.classname === 'tiny.edge.vcore_mv=900')!.out).toContain('MISCOMPARE at 0x1f00');
  });

  test('runs show lists its sub-runs with their statuses', async () => {
    const r = await ws.cli(['runs', 'show', LEGACY_ID]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${LEGACY_ID}-s01`);
    expect(r.stdout).toContain(`${LEGACY_ID}-s02`);
    expect(r.stdout).not.toMatch(/no sub-run summary/);
  });

  test('diff of the earlier-layout run against the new-layout run of the same sweep: same outcomes, metrics compared', async () => {
    const r = await ws.cli(['diff', LEGACY_ID, newId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.changed_points).toEqual([]);
    expect(d.unchanged.count).toBe(2);
    expect(d.step_changes).toEqual([]);
    expect(d.warnings).toEqual([]);
    expect(d.metric_summary.map((m: any) => m.metric)).toEqual(expect.arrayContaining(['gflops']));
  });
});

describe('resume of a run in the earlier layout', { timeout: 120_000 }, () => {
  test('keeps its finished sub-run, runs the rest, and continues in the layout it was written in', async () => {
    // The fixture as if road_runner had been stopped after its first sub-run.
    const id = LEGACY_ID;
    const dir = path.join(ws.runs, id);
    const stopped = path.join(ws.root, 'stopped');
    cpSync(LEGACY_DIR, stopped, { recursive: true });
    const summary = readJson(path.join(stopped, 'summary.json'));
    const second = `${id}-s02`;
    summary.status = 'interrupted';
    summary.subruns = summary.subruns.map((s: any) => (s.id === second ? { ...s, status: 'planned' } : s));
    const events = readFileSync(path.join(stopped, 'steps.ldjson'), 'utf8').split('\n').filter((l) => l && JSON.parse(l).subrun_id !== second);
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(stopped, second), { recursive: true });
    writeFileSync(path.join(stopped, 'summary.json'), JSON.stringify(summary));
    writeFileSync(path.join(stopped, 'steps.ldjson'), `${events.join('\n')}\n`);
    cpSync(stopped, dir, { recursive: true });

    const r = await ws.cli(['run', '--resume', id, '--yes']);
    expect(r.stdout).toContain('1 sub-runs kept, 1 to run');
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(path.join(dir, 'subruns'))).toBe(false);
    expect(readJson(path.join(dir, second, 'summary.json')).status).toBe('passed');
    expect(readJson(path.join(dir, `${id}-s01`, 'summary.json')).started_at).toBe(readJson(path.join(LEGACY_DIR, `${id}-s01`, 'summary.json')).started_at);
    const ends: string[] = [];
    for await (const e of readRunEvents(runFolderLayout(dir, id))) if (e.event === 'step_end') ends.push(`${String(e.subrun_id).slice(-3)}:${String(e.step_id)}`);
    expect(ends).toEqual(['s01:smoke', 's01:smoke', 's01:edge', 's02:smoke', 's02:smoke', 's02:edge', 's02:after']);
  });
});
