// Metric limits on flow steps (SPEC §11) end to end through the built CLI: a fixture diagnostic
// whose gflops follows the core voltage exactly, limits whose edges fall on margin points, and
// what the run, the records, the report, the exports, `runs list` and `diff` make of it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createWorkspace, readEvents, readJson, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

// gflops = (vcore_mv - 800) / 4: 875 → 18.75, 900 → 25, 925 → 31.25, 950 → 37.5, 975 → 43.75, 1000 → 50, 1025 → 56.25.
const LIMITS = { gflops: { min: 25, marginal_min: 37.5, marginal_max: 43.75, max: 50 } };
const EXPECTED: Record<number, { status: string; marginal: boolean }> = {
  875: { status: 'failed', marginal: false }, // below min
  900: { status: 'passed', marginal: true }, // = min: inside (inclusive), below marginal_min
  925: { status: 'passed', marginal: true },
  950: { status: 'passed', marginal: false }, // = marginal_min: clean (inclusive)
  975: { status: 'passed', marginal: false }, // = marginal_max: clean (inclusive)
  1000: { status: 'passed', marginal: true }, // = max: inside, above marginal_max
  1025: { status: 'failed', marginal: false }, // above max
};

function limitsWorkspace(limits: Record<string, unknown> = LIMITS): TestWorkspace {
  return createWorkspace({
    adapters: {
      gflops: {
        executable: 'gflops-by-vcore', timeout_s: 30,
        metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' }, seed: { regex: 'seed=([0-9]+)', type: 'integer' }, note: { regex: 'note=(.*)', type: 'string' } },
      },
    },
    flows: { lim: { steps: [{ id: 'throughput', adapter: 'gflops', limits, on_fail: 'continue' }] } },
    margins: { edges: { global_seed: 11, targets: { default: { vcore_mv: { values: Object.keys(EXPECTED).map(Number) }, freq_mhz: { fixed: 2000 } } } } },
  });
}

describe('run: metric limits', () => {
  it('fails outside [min, max], passes marginally outside the marginal band, inclusive at every edge; carried through records, report and exports', async () => {
    ws = limitsWorkspace();
    const r = await ws.run('lim', 'edges');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // some steps failed
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.counts).toEqual({ passed: 5, failed: 2, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 3 });
    expect(s.subrun_counts).toMatchObject({ passed: 2, marginal: 3, failed: 2 });
    expect(r.stdout).toContain('steps: 5 passed (3 marginal), 2 failed');

    const ends = readEvents(dir).filter((e) => e.event === 'step_end');
    const starts = readEvents(dir).filter((e) => e.event === 'step_start');
    expect(ends).toHaveLength(7);
    for (const e of ends) {
      const vcore = starts.find((x) => x.subrun_id === e.subrun_id)!.margins.vcore_mv as number;
      expect({ vcore, status: e.status, marginal: e.marginal }).toEqual({ vcore, ...EXPECTED[vcore] });
      if (vcore === 875) expect(e.error).toBe('outside limits: metric gflops = 18.75 is below min 25');
      if (vcore === 1025) expect(e.error).toBe('outside limits: metric gflops = 56.25 is above max 50');
      if (vcore === 900) expect(e.marginal_reason).toBe('marginal: metric gflops = 25 is below marginal_min 37.5');
      if (vcore === 1000) expect(e.marginal_reason).toBe('marginal: metric gflops = 50 is above marginal_max 43.75');
      if (!EXPECTED[vcore]!.marginal) expect(e.marginal_reason).toBeUndefined();
    }
    // Sub-run summaries: status marginal, the step record marked, counts.marginal, and the reason.
    for (const sub of s.subruns) {
      const one = readJson(path.join(dir, 'subruns', sub.id, 'summary.json'));
      const want = EXPECTED[sub.point.vcore_mv]!;
      expect(one.status).toBe(want.status === 'failed' ? 'failed' : want.marginal ? 'marginal' : 'passed');
      expect(one.steps[0].marginal ?? false).toBe(want.marginal);
      expect(one.counts.marginal).toBe(want.marginal ? 1 : 0);
      if (want.marginal) expect(one.reason).toMatch(/^step throughput marginal: metric gflops = /);
    }

    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| steps \(summary\.json\) \| passed 5 · failed 2 · .*marginal \(of passed\) 3 \|/);
    expect(md).toContain('| sub-runs | passed 2 · marginal 3 · failed 2 |');
    expect(md).toMatch(/\| throughput \| gflops \| passed \(marginal\) \| 0 \|.*marginal: metric gflops = 25 is below marginal_min 37\.5 \|/);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<span class="status o-marginal">passed (marginal)</span>');

    const csv = await ws.cli(['export', 'latest', '--format', 'csv', '--out', '-']);
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    const cols = header!.split(',');
    expect(cols.at(-1)).toBe('marginal');
    const at = (name: string) => cols.indexOf(name);
    const byVcore = Object.fromEntries(rows.map((line) => line.split(',')).map((c) => [c[at('margin_vcore_mv')], `${c[at('status')]}:${c.at(-1)}`]));
    expect(byVcore).toEqual({
      875: 'failed:false', 900: 'passed:true', 925: 'passed:true', 950: 'passed:false', 975: 'passed:false', 1000: 'passed:true', 1025: 'failed:false',
    });

    const junit = await ws.cli(['export', 'latest', '--format', 'junit', '--out', '-']);
    expect(junit.code, junit.stderr).toBe(0);
    expect(junit.stdout).toMatch(/<testsuites [^>]*tests="7" failures="2" errors="0"/);
    const marginalCase = /<testcase classname="lim\.throughput\.vcore_mv=900[^"]*" name="[^"]+" time="[0-9.]+">\n\s*<properties>\n\s*<property name="marginal" value="true"\/>\n\s*<\/properties>\n\s*<system-out>MARGINAL: marginal: metric gflops = 25 is below marginal_min 37\.5/;
    expect(junit.stdout).toMatch(marginalCase);
    expect(junit.stdout).not.toMatch(/vcore_mv=950[^"]*" name="[^"]+" time="[0-9.]+">\n\s*<properties>/);

    const list = await ws.cli(['runs', 'list']);
    expect(list.stdout).toContain('5 passed (3 marginal), 2 failed');
  });

  it('a metric with limits that the step never reports fails it, naming the metric', async () => {
    ws = createWorkspace({
      adapters: { quiet: { executable: 'pass', timeout_s: 30, metrics: { gflops: { regex: 'gflops=([0-9.]+)', type: 'number' }, temp_c: { regex: 'temp=([0-9.]+)', type: 'number' } } } },
      flows: { q: { steps: [{ id: 'quiet', adapter: 'quiet', limits: { gflops: { min: 10 }, temp_c: { max: 90 } } }] } },
    });
    const r = await ws.run('q', 'one');
    expect(r.code).toBe(1);
    const end = readEvents(ws.onlyRun()).find((e) => e.event === 'step_end')!;
    expect(end.status).toBe('failed');
    expect(end.error).toBe('outside limits: metric temp_c not reported (limits max 90)');
  });

  it('diff shows a step that went from passed to passed (marginal) when a limit tightens', async () => {
    ws = limitsWorkspace({ gflops: { min: 10 } });
    const first = await ws.run('lim', 'edges');
    expect(first.code).toBe(0);
    writeFileSync(path.join(ws.root, 'flows/lim.yaml'), stringify({ name: 'lim', steps: [{ id: 'throughput', adapter: 'gflops', on_fail: 'continue', limits: { gflops: { min: 10, marginal_min: 40 } } }] }));
    const second = await ws.run('lim', 'edges');
    expect(second.code).toBe(5); // a marginal run
    const [a, b] = ws.runFolders().map((d) => path.basename(d));
    const d = await ws.cli(['diff', a!, b!, '--json']);
    expect(d.code, d.stderr).toBe(0);
    const diff = JSON.parse(d.stdout);
    const changed = diff.step_changes.map((c: any) => `${c.point}:${c.a_status}->${c.b_status}`).sort();
    // gflops below 40: 875 (18.75), 900, 925 and 950 (37.5); 975 (43.75) and up stay clean.
    expect(changed).toEqual([875, 900, 925, 950].map((v) => `vcore_mv ${v}:passed->passed (marginal)`));
    expect(diff.changed_points.map((c: any) => `${c.point}:${c.a_status}->${c.b_status}`)).toEqual([875, 900, 925, 950].map((v) => `vcore_mv ${v}:passed->marginal`));
  });
});
