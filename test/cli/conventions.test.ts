// CLI conventions (SPEC §9, issue 11): a run named the same way by every command (RUN_ID,
// --run-id, --run, `latest`), --json where a script wants it, shell completion, and a
// suggestion for a mistyped command.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { runCli } from './helpers.js';

let ws: TestWorkspace;
let older: string;
let newer: string;

beforeAll(async () => {
  ws = createWorkspace({
    flows: { ok: { steps: [{ id: 'p1', adapter: 'pass' }] }, bad: { steps: [{ id: 'f1', adapter: 'fail' }] } },
  });
  expect((await ws.run('ok', 'one')).code).toBe(0);
  expect((await ws.run('bad', 'one')).code).toBe(1);
  [older, newer] = ws.runFolders().map((d) => path.basename(d)) as [string, string];
  // Which run is newer is decided by start time, not by the random part of the id.
  const started = (id: string) => JSON.parse(readFileSync(path.join(ws.runs, id, 'summary.json'), 'utf8')).started_at as string;
  if (started(older) > started(newer)) [older, newer] = [newer, older];
}, 120_000);
afterAll(() => ws?.dispose());

const json = (text: string) => JSON.parse(text) as Record<string, any>;

describe('a run is named the same way by every command', { timeout: 60_000 }, () => {
  test('report: RUN_ID, latest, --run-id and --run all name the run; none is a usage error', async () => {
    for (const [args, id] of [[['report', older], older], [['report', 'latest'], newer], [['report', '--run-id', older], older], [['report', '--run', 'latest'], newer]] as const) {
      const r = await ws.cli([...args]);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(path.join(ws.runs, id, 'report.md'));
    }
    const none = await ws.cli(['report']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('report needs a run id (or "latest")');
  });

  test('export: positional and the older --run; the same run named twice is fine, two different runs are not', async () => {
    const latest = await ws.cli(['export', 'latest', '--format', 'json', '--out', '-']);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain(newer);
    expect(latest.stdout).not.toContain(older);
    const old = await ws.cli(['export', '--run', older, '--format', 'csv', '--out', '-']);
    expect(old.code).toBe(0);
    expect(old.stdout).toContain(older);
    expect((await ws.cli(['export', newer, '--run', 'latest', '--format', 'csv', '--out', '-'])).code).toBe(0);
    const two = await ws.cli(['export', older, '--run', newer, '--format', 'csv', '--out', '-']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('two different runs named');
  });

  test('runs show, diff and run --resume take latest', async () => {
    const show = await ws.cli(['runs', 'show', 'latest', '--json']);
    expect(show.code).toBe(0);
    expect(json(show.stdout).listing.id).toBe(newer);
    const byOption = await ws.cli(['runs', 'show', '--run-id', older, '--json']);
    expect(byOption.code).toBe(0);
    expect(byOption.stdout).toContain(older);
    const diff = await ws.cli(['diff', older, 'latest', '--json']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(newer);
    // The newest run is finished, so resuming it is refused, naming the run `latest` resolved to.
    const resume = await ws.cli(['run', '--resume', 'latest', '--yes']);
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toContain(newer);
  });

  test('latest in a workspace without runs: exit 2 saying so', async () => {
    const empty = createWorkspace();
    try {
      const r = await empty.cli(['report', 'latest']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('"latest" names no run');
      expect(r.stderr).not.toContain('    at ');
    } finally {
      empty.dispose();
    }
  });
});

describe('--json', { timeout: 60_000 }, () => {
  test('validate --json: {ok, files, problems, warnings}; a broken file is a located problem and exit 2', async () => {
    const good = await ws.cli(['validate', '--json']);
    expect(good.code).toBe(0);
    const doc = json(good.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.files.flows).toBe(2);
    expect(doc.problems).toEqual([]);
    expect(Array.isArray(doc.warnings)).toBe(true);
    const file = path.join(ws.root, 'flows', 'broken.yaml');
    writeFileSync(file, 'name: broken\nsteps:\n  - id: a\n    adaptr: pass\n');
    try {
      const bad = await ws.cli(['validate', '--json']);
      expect(bad.code).toBe(2);
      const d = json(bad.stdout);
      expect(d.ok).toBe(false);
      expect(d.problems.length).toBeGreaterThan(0);
      expect(d.problems[0]).toMatchObject({ file: expect.stringContaining('broken.yaml'), line: expect.any(Number) });
    } finally {
      writeFileSync(file, 'name: broken\nsteps:\n  - id: a\n    adapter: pass\n');
    }
  });

  test('detect --json and policy show --json describe the saved host, the profile and the bounds', async () => {
    const d = await ws.cli(['detect', '--json']);
    expect(d.code).toBe(0);
    const host = json(d.stdout);
    expect(host.origin).toContain(ws.hostFile);
    expect(host.facts.modelName).toContain('Xeon');
    expect(host.saved).toBeNull();
    const p = await ws.cli(['policy', 'show', '--json']);
    expect(p.code).toBe(0);
    const pol = json(p.stdout);
    expect(pol.host.facts.modelName).toBe(host.facts.modelName);
    expect(pol.profile).toBeNull(); // the test workspace has no profiles
    expect(pol.bounds.rails.vcore_mv).toMatchObject({ min: 700, max: 1100 });
  });

  test('run --json: stdout is one JSON document (the §9 summary inside); progress goes to stderr', async () => {
    const r = await ws.run('ok', 'one', ['--json']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc.started).toBe(true);
    expect(doc.exit_code).toBe(0);
    expect(doc.summary.status).toBe('passed');
    expect(doc.summary.counts.passed).toBe(1);
    expect(path.basename(doc.run_dir)).toBe(doc.summary.run_id);
    expect(doc.reports.html).toBe(path.join(doc.run_dir, 'report.html'));
    expect(r.stderr).toContain(`run ${doc.summary.run_id}: passed`);
  });
});

describe('shell conveniences', { timeout: 60_000 }, () => {
  test('a mistyped command gets the closest one, exit 2', async () => {
    const r = await ws.cli(['rnu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean run?');
    const p = await ws.cli(['polcy', 'show']);
    expect(p.stderr).toContain('Did you mean policy?');
  });

  test('completion prints a script, and the completer offers commands and options', async () => {
    const script = await ws.cli(['completion']);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('road_runner --get-yargs-completions');
    // The word being completed comes last, as the shell passes it (ws.cli would append --root).
    const words = await runCli(['--get-yargs-completions', '']);
    expect(words.stdout.split('\n')).toEqual(expect.arrayContaining(['init', 'run', 'report', 'export', 'completion']));
    const opts = await runCli(['--get-yargs-completions', 'export', '--f']);
    expect(opts.stdout.split('\n')).toContain('--format');
  });
});
