// Output rules with catastrophic-backtracking patterns against a diagnostic that prints their
// worst case (SPEC §15): the regexes run on a linear-time engine, so the step's timeout fires
// and SIGINT ends the run, with the rails restored, instead of road_runner's own thread
// hanging in a regex search with the rail margined.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, waitFor, waitForStepStart, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const HOSTILE = {
  executable: 'hostile-line', timeout_s: 600,
  pass: { exit_codes: [0], stdout_fail_regex: '(a+)+$' },
  metrics: { run: { regex: '^(a|aa)+$', type: 'string' }, word: { regex: '(\\w+\\s?)*:$', type: 'string' } },
};
const ONE = { global_seed: 1, targets: { default: { vcore_mv: { fixed: 950 } } } };

function stdoutBytes(w: TestWorkspace): number {
  const dir = w.runFolders()[0];
  const sub = dir ? subrunFolders(dir)[0] : undefined;
  try {
    return sub ? statSync(path.join(sub, 'stdout', '00_h.log')).size : 0;
  } catch {
    return 0;
  }
}

describe('hostile regexes', { timeout: 90_000 }, () => {
  it('the step timeout still fires while long hostile lines are scanned; nominal is restored', async () => {
    ws = createWorkspace({
      adapters: { hostile: HOSTILE },
      flows: { f: { steps: [{ id: 'h', adapter: 'hostile', timeout_s: 3, on_fail: 'continue' }, { id: 'after', adapter: 'pass' }] } },
      margins: { one: ONE },
    });
    const r = await ws.run('f', 'one', ['--grace', '1'], { limitMs: 80_000 });
    expect(r.code, r.stderr).toBe(1);
    const dir = ws.onlyRun();
    const sub = readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
    expect(sub.steps.map((s: any) => s.status)).toEqual(['timeout', 'passed']);
    // Every hostile line was scanned (none matched: each ends in "!"), and written whole.
    expect(readFileSync(path.join(subrunFolders(dir)[0]!, 'stdout', '00_h.log'), 'utf8')).toContain('printed\n');
    expect(sub.steps[0].metrics).toEqual({});
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(readEvents(dir).filter((e) => e.event === 'margin_restore').at(-1)).toMatchObject({ requested: 1000, ok: true });
  });

  it('SIGINT during the scan of hostile lines ends the run with the rail at nominal', async () => {
    ws = createWorkspace({ adapters: { hostile: HOSTILE }, flows: { f: { steps: [{ id: 'h', adapter: 'hostile' }] } }, margins: { one: ONE } });
    const p = ws.startRun('f', 'one', ['--grace', '1'], { limitMs: 80_000 });
    await waitForStepStart(ws, 'h', 30_000);
    await waitFor('hostile output on its way', () => stdoutBytes(ws!) > 0, 30_000);
    expect(ws.railState('vcore_mv')).toBe(950);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    const dir = ws.onlyRun();
    expect(readJson(path.join(dir, 'summary.json')).status).toBe('interrupted');
    expect(ws.railState('vcore_mv')).toBe(1000);
  });
});
