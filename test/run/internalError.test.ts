// Our own bug during a run: an exception inside the run, an uncaught exception or an unhandled
// rejection anywhere while the run is active. The run still ends with rails at nominal, nothing
// of it left running, summaries `aborted` with the reason, exit 4 and a short message; the
// stack goes to internal-error.log in the run folder, not to the terminal. The faults are real
// ones, injected by a test-only module preloaded with NODE_OPTIONS (test/fixtures/fault/inject.mjs);
// road_runner has no fault hook of its own.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REPO, createWorkspace, groupMembers, killGroupQuietly, processesUnder, readEvents, readJson, subrunFolders,
  waitForDiagnosticGroup, waitForStepStart, type TestWorkspace,
} from './workspace.js';

const INJECT = path.join(REPO, 'test/fixtures/fault/inject.mjs');

let ws: TestWorkspace | undefined;
const leftovers: number[] = [];
afterEach(() => {
  for (const pgid of leftovers.splice(0)) killGroupQuietly(pgid);
  ws?.dispose();
  ws = undefined;
});

const FLOW = { steps: [{ id: 'first', adapter: 'pass' }, { id: 'stuck', adapter: 'hang' }, { id: 'never', adapter: 'pass' }] };
const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

/** Aborted with the reason, stack in the run folder only, rails at nominal, nothing left. */
function expectAbortedByBug(w: TestWorkspace, r: { code: number | null; stdout: string; stderr: string }, message: string): Record<string, any> {
  expect(r.code, r.stderr).toBe(4);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toMatch(/internal error \(a bug in road_runner, please report it with runs\/rr-\S+\/internal-error\.log\); rails were restored/);
  const dir = w.onlyRun();
  const s = readJson(path.join(dir, 'summary.json'));
  expect(s).toMatchObject({ status: 'aborted', exit_code: 4 });
  expect(s.reason).toContain(message);
  expect(s.reason).toContain('internal-error.log');
  expect(s.subruns.map((x: any) => x.status)).toEqual(['aborted', 'planned']);
  const stack = readFileSync(path.join(dir, 'internal-error.log'), 'utf8');
  expect(stack).toContain(message);
  expect(stack).toMatch(/\n\s+at /);
  const restores = readEvents(dir).filter((e) => e.event === 'margin_restore');
  expect(restores.map((e) => [e.rail, e.read_back, e.ok, e.reason]).sort()).toEqual([['freq_mhz', 2400, true, 'abort'], ['vcore_mv', 1000, true, 'abort']]);
  expect(w.railState('vcore_mv')).toBe(1000);
  expect(w.railState('freq_mhz')).toBe(2400);
  expect(processesUnder(w.runs)).toEqual([]);
  expect(readdirSync(w.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  return readJson(path.join(subrunFolders(dir)[0]!, 'summary.json'));
}

describe('run: our own bug mid-run', () => {
  it('an exception inside the run (recording a step throws): rails restored, aborted, exit 4, stack in a file', async () => {
    ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
    const r = await ws.run('f', 'two', ['--grace', '1'], { env: { NODE_OPTIONS: `--import=${INJECT}`, FAULT_INJECT: 'in-run', FAULT_STEP: 'first' } });
    const sub = expectAbortedByBug(ws, r, 'injected fault: step record failed');
    expect(sub.status).toBe('aborted');
    // The bug hit while recording the first step: nothing after it ran.
    expect(readEvents(ws.onlyRun()).filter((e) => e.event === 'step_start').map((e) => e.step_id)).toEqual(['first']);
    expect(sub.steps.map((x: any) => x.status)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  for (const [mode, message] of [['uncaught', 'injected fault: uncaught exception'], ['rejection', 'injected fault: unhandled rejection']] as const) {
    it(`an ${mode === 'uncaught' ? 'uncaught exception' : 'unhandled rejection'} while a diagnostic runs: it is stopped, rails restored, aborted, exit 4`, async () => {
      ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
      const trigger = path.join(ws.root, 'fault-now');
      const p = ws.startRun('f', 'two', ['--grace', '1'], { env: { NODE_OPTIONS: `--import=${INJECT}`, FAULT_INJECT: mode, FAULT_TRIGGER: trigger } });
      await waitForStepStart(ws, 'stuck');
      const pgid = await waitForDiagnosticGroup(ws);
      leftovers.push(pgid);
      expect(ws.railState('vcore_mv')).toBe(950);
      writeFileSync(trigger, '');
      const r = await p.done;
      const sub = expectAbortedByBug(ws, r, message);
      expect(sub.steps.map((x: any) => x.status)).toEqual(['passed', 'interrupted', 'skipped']);
      expect(sub.steps[1].error).toBe('stopped: road_runner hit an internal error');
      expect(groupMembers(pgid)).toEqual([]);
      expect(existsSync(path.join(ws.onlyRun(), '.space-reserve'))).toBe(false);
    });
  }
});
