// `road_runner run` end to end through the built CLI: outcomes, records, environment, inputs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, readEvents, readJson, subrunFolders, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const STEP_STATUSES = ['passed', 'failed', 'timeout', 'error', 'interrupted', 'skipped'];

/** Checks the §9 shape of a parent summary and returns it. */
function expectRunSummaryShape(file: string): Record<string, any> {
  const s = readJson(file);
  for (const key of ['run_id', 'status', 'unit', 'seed', 'started_at', 'ended_at', 'duration_ms', 'profile', 'bounds', 'counts', 'subruns']) {
    expect(s, `parent summary lacks ${key}`).toHaveProperty(key);
  }
  // §9 counts, plus `marginal` (steps that passed marginally, also counted in passed; SPEC §11).
  expect(Object.keys(s.counts).sort()).toEqual([...STEP_STATUSES, 'marginal'].sort());
  for (const sub of s.subruns) {
    expect(sub).toHaveProperty('id');
    expect(sub).toHaveProperty('status');
    expect(sub).toHaveProperty('margins');
  }
  return s;
}

/** Checks the §9 shape of a sub-run summary and returns it. */
function expectSubrunSummaryShape(file: string): Record<string, any> {
  const s = readJson(file);
  for (const key of ['id', 'status', 'margins', 'seed', 'steps']) expect(s, `sub-run summary lacks ${key}`).toHaveProperty(key);
  for (const step of s.steps) {
    for (const key of ['index', 'step_id', 'status', 'exit_code', 'duration_ms']) expect(step, `step lacks ${key}`).toHaveProperty(key);
  }
  return s;
}

describe('run: outcomes and records', () => {
  it('passes a passing flow: exit 0, §9 summaries, events with read-back, metrics, inputs, sysinfo', async () => {
    ws = createWorkspace({
      flows: { ok: { steps: [{ id: 'p1', adapter: 'pass' }, { id: 'env', adapter: 'print-env' }, { id: 'cwd', adapter: 'print-cwd' }] } },
    });
    const r = await ws.run('ok', 'one');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    const runId = path.basename(dir);
    expect(r.stdout).toContain(`run ${runId}: passed`);

    const s = expectRunSummaryShape(path.join(dir, 'summary.json'));
    expect(s.run_id).toBe(runId);
    expect(s.status).toBe('passed');
    expect(s.unit).toBe('SN1');
    expect(s.seed).toBe(7);
    expect(s.counts).toEqual({ passed: 3, failed: 0, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 });
    expect(s.bounds).toBeTypeOf('object');
    expect(Date.parse(s.ended_at)).toBeGreaterThanOrEqual(Date.parse(s.started_at));
    expect(s.subruns).toHaveLength(1);
    expect(s.subruns[0].status).toBe('passed');
    expect(s.subruns[0].margins).toEqual({ vcore_mv: 950, freq_mhz: 2000, vddq_mv: 1210 });

    const [subDir] = subrunFolders(dir);
    expect(path.basename(subDir!)).toBe(`${runId}-s00`);
    const sub = expectSubrunSummaryShape(path.join(subDir!, 'summary.json'));
    expect(sub.status).toBe('passed');
    expect(sub.steps.map((x: any) => [x.index, x.step_id, x.status, x.exit_code])).toEqual([
      [0, 'p1', 'passed', 0], [1, 'env', 'passed', 0], [2, 'cwd', 'passed', 0],
    ]);
    expect(sub.steps[0].metrics).toEqual({ gflops: 12.5, iterations: 1000 });

    // Events: rails set with their read-back, steps, restores.
    const events = readEvents(dir);
    const kinds = events.map((e) => e.event);
    expect(kinds.every((k) => ['step_start', 'step_end', 'margin_set', 'margin_restore', 'health'].includes(k))).toBe(true);
    // One health event per sub-run (SPEC §5.3), after its rails are back.
    expect(kinds.filter((k) => k === 'health')).toHaveLength(1);
    expect(kinds[kinds.length - 1]).toBe('health');
    for (const e of events) expect(Number.isNaN(Date.parse(e.ts))).toBe(false);
    const sets = events.filter((e) => e.event === 'margin_set');
    expect(sets.map((e) => [e.rail, e.requested, e.read_back, e.ok])).toEqual(
      expect.arrayContaining([['vcore_mv', 950, 950, true], ['freq_mhz', 2000, 2000, true]]),
    );
    expect(sets).toHaveLength(2); // vddq_mv is passive: no actuator call
    const restores = events.filter((e) => e.event === 'margin_restore');
    expect(restores.map((e) => [e.rail, e.requested, e.read_back, e.ok]).sort()).toEqual([['freq_mhz', 2400, 2400, true], ['vcore_mv', 1000, 1000, true]]);
    const starts = events.filter((e) => e.event === 'step_start');
    expect(starts.map((e) => e.step_id)).toEqual(['p1', 'env', 'cwd']);
    expect(starts[0]!.argv).toEqual(['diags/pass']);
    expect(starts[0]!.margins).toEqual({ vcore_mv: 950, freq_mhz: 2000, vddq_mv: 1210 });
    expect(starts[0]!.seed).toBe(sub.seed);
    const ends = events.filter((e) => e.event === 'step_end');
    expect(ends[0]).toMatchObject({ status: 'passed', exit_code: 0, signal: null, error: null, metrics: { gflops: 12.5, iterations: 1000 } });
    expect(ends[0]!.duration_ms).toBeTypeOf('number');
    // Order: both sets before the first step, restores after the last step_end.
    expect(kinds.lastIndexOf('margin_set')).toBeLessThan(kinds.indexOf('step_start'));
    expect(kinds.indexOf('margin_restore')).toBeGreaterThan(kinds.lastIndexOf('step_end'));

    // Rails back at nominal in the actuator's own state.
    expect(ws.railState('vcore_mv')).toBe(1000);
    expect(ws.railState('freq_mhz')).toBe(2400);
    expect(ws.railHistory('vcore_mv')).toEqual([950, 1000]);

    // The RR_* environment, including the passive rail.
    const env = readFileSync(path.join(subDir!, 'stdout', sub.steps[1].log_name), 'utf8').trim().split('\n');
    const rr = Object.fromEntries(env.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(rr).toMatchObject({
      RR_RUN_ID: runId, RR_SUBRUN_ID: `${runId}-s00`, RR_UNIT: 'SN1', RR_SEED: String(sub.seed), RR_STEP_ID: 'env',
      RR_MARGIN_VCORE_MV: '950', RR_MARGIN_FREQ_MHZ: '2000', RR_MARGIN_VDDQ_MV: '1210',
    });
    // The working folder of a diagnostic is its sub-run folder.
    expect(readFileSync(path.join(subDir!, 'stdout', sub.steps[2].log_name), 'utf8').trim()).toBe(subDir);
    // stdout/stderr logs are streamed to files.
    expect(readFileSync(path.join(subDir!, 'stdout', sub.steps[0].log_name), 'utf8')).toContain('Status: PASS');
    expect(readFileSync(path.join(subDir!, 'stderr', sub.steps[0].log_name), 'utf8')).toContain('bogo-ops=4242');

    // inputs/ holds byte copies of every input the plan names.
    const plan = readJson(path.join(dir, 'plan.json'));
    expect(plan.inputs.length).toBeGreaterThanOrEqual(4);
    for (const input of plan.inputs) {
      const copy = path.join(dir, 'inputs', input.file);
      expect(existsSync(copy), `inputs/ lacks ${input.file}`).toBe(true);
      expect(readFileSync(copy).equals(readFileSync(path.join(ws.root, input.file)))).toBe(true);
    }
    expect(plan.inputs.map((i: any) => i.file)).toEqual(expect.arrayContaining(['flows/ok.yaml', 'margins/one.yaml', 'policy/safety.yaml', 'adapters/pass.yaml']));

    const sysinfo = readJson(path.join(dir, 'sysinfo.json'));
    for (const key of ['cpu', 'mem', 'osInfo', 'raw']) expect(sysinfo, `sysinfo lacks ${key}`).toHaveProperty(key);
    expect(JSON.stringify(sysinfo.raw)).toContain('Xeon');
    // No journal and no lock left behind.
    expect(readdirSync(ws.runs).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('fails by exit code and by stdout regex: exit 1, statuses, errors and metrics recorded', async () => {
    ws = createWorkspace({
      flows: {
        bad: {
          steps: [
            { id: 'by-code', adapter: 'fail', on_fail: 'continue' },
            { id: 'by-regex', adapter: 'regex-fail', on_fail: 'continue' },
            { id: 'after', adapter: 'pass' },
          ],
        },
      },
      margins: { two: { global_seed: 1, targets: { default: { vcore_mv: { values: [950, 975] } } } } },
    });
    const r = await ws.run('bad', 'two');
    expect(r.code).toBe(1);
    const dir = ws.onlyRun();
    const s = expectRunSummaryShape(path.join(dir, 'summary.json'));
    expect(s.status).toBe('failed');
    expect(s.counts).toEqual({ passed: 2, failed: 4, timeout: 0, error: 0, interrupted: 0, skipped: 0, marginal: 0 });
    expect(s.subruns.map((x: any) => [x.status, x.margins.vcore_mv])).toEqual([['failed', 950], ['failed', 975]]);
    for (const subDir of subrunFolders(dir)) {
      const sub = expectSubrunSummaryShape(path.join(subDir, 'summary.json'));
      expect(sub.status).toBe('failed');
      expect(sub.steps.map((x: any) => [x.step_id, x.status, x.exit_code])).toEqual([['by-code', 'failed', 3], ['by-regex', 'failed', 0], ['after', 'passed', 0]]);
      expect(sub.steps[0].error).toContain('exit code 3');
      expect(sub.steps[1].error).toContain('MISCOMPARE');
      expect(sub.steps[1].metrics).toEqual({ gflops: 11 });
    }
    const ends = readEvents(dir).filter((e) => e.event === 'step_end');
    expect(ends.map((e) => e.status)).toEqual(['failed', 'failed', 'passed', 'failed', 'failed', 'passed']);
    expect(ends[1]!.metrics).toEqual({ gflops: 11 });
    expect(ws.railState('vcore_mv')).toBe(1000);
  });

  it('on_fail: stop skips the rest of the sub-run and the next sub-run still runs', async () => {
    ws = createWorkspace({
      flows: { stop: { steps: [{ id: 'f', adapter: 'fail' }, { id: 'never', adapter: 'pass' }] } },
      margins: { two: { global_seed: 1, targets: { default: { vcore_mv: { values: [950, 975] } } } } },
    });
    const r = await ws.run('stop', 'two');
    expect(r.code).toBe(1);
    const s = readJson(path.join(ws.onlyRun(), 'summary.json'));
    expect(s.counts).toMatchObject({ failed: 2, skipped: 2, passed: 0 });
    expect(readEvents(ws.onlyRun()).filter((e) => e.event === 'step_start').map((e) => e.step_id)).toEqual(['f', 'f']);
  });

  it('passes a string full of shell metacharacters as one literal argv element; nothing is executed', async () => {
    const nasty = '; rm -rf / $(touch pwned) | & > "\' `touch pwned2`';
    ws = createWorkspace({ flows: { args: { steps: [{ id: 'a', adapter: 'print-args', params: { text: nasty } }] } } });
    const r = await ws.run('args', 'one');
    expect(r.code).toBe(0);
    const [subDir] = subrunFolders(ws.onlyRun());
    const sub = readJson(path.join(subDir!, 'summary.json'));
    const lines = readFileSync(path.join(subDir!, 'stdout', sub.steps[0].log_name), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([nasty]);
    const start = readEvents(ws.onlyRun()).find((e) => e.event === 'step_start');
    expect(start!.argv).toEqual(['diags/print-args', nasty]);
    for (const where of [ws.root, subDir!, process.cwd()]) {
      expect(existsSync(path.join(where, 'pwned')), `pwned in ${where}`).toBe(false);
      expect(existsSync(path.join(where, 'pwned2')), `pwned2 in ${where}`).toBe(false);
    }
  });
});

describe('run: refusals and dry run', () => {
  it('without a terminal and without --yes refuses at once (exit 2, names --yes, no run folder)', async () => {
    ws = createWorkspace({ flows: { ok: { steps: [{ id: 'p', adapter: 'pass' }] } } });
    // stdin is a pipe that stays open and never gets data: a prompt would wait forever.
    const p = ws.startRun('ok', 'one', [], { noYes: true, stdin: 'pipe', limitMs: 15_000 });
    const r = await p.done;
    p.child.stdin?.destroy();
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(ws.runFolders()).toEqual([]);
    expect(existsSync(ws.simDir)).toBe(false);
  });

  it('--dry-run writes plan, sysinfo and planned summaries, launches nothing, touches no rail', async () => {
    ws = createWorkspace({
      flows: { ok: { steps: [{ id: 'p', adapter: 'pass' }, { id: 'e', adapter: 'print-env' }] } },
      margins: { two: { global_seed: 3, targets: { default: { vcore_mv: { values: [950, 975] } } } } },
    });
    const r = await ws.run('ok', 'two', ['--dry-run']);
    expect(r.code).toBe(0);
    const dir = ws.onlyRun();
    expect(existsSync(path.join(dir, 'plan.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'sysinfo.json'))).toBe(true);
    const s = expectRunSummaryShape(path.join(dir, 'summary.json'));
    expect(s.status).toBe('planned');
    expect(s.subruns.map((x: any) => x.status)).toEqual(['planned', 'planned']);
    const subs = subrunFolders(dir);
    expect(subs).toHaveLength(2);
    for (const subDir of subs) {
      const sub = expectSubrunSummaryShape(path.join(subDir, 'summary.json'));
      expect(sub.status).toBe('planned');
      expect(sub.steps.every((x: any) => x.status === 'skipped' && x.exit_code === null)).toBe(true);
      expect(existsSync(path.join(subDir, 'stdout'))).toBe(false);
    }
    expect(readEvents(dir)).toEqual([]);
    expect(existsSync(ws.simDir)).toBe(false);
  });

  it('a missing executable aborts before any rail moves: exit 4, cause and fix, aborted summary', async () => {
    ws = createWorkspace({
      adapters: { absent: { executable: 'absent', timeout_s: 10 } },
      flows: { gone: { steps: [{ id: 'p', adapter: 'pass' }, { id: 'x', adapter: 'absent' }] } },
    });
    const r = await ws.run('gone', 'one');
    expect(r.code).toBe(4);
    // Exactly two lines: the cause (naming the adapter and file), then the fix.
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^road_runner: run rr-\S+ aborted before touching any rail: adapter absent: executable diags\/absent is missing or not executable/);
    expect(lines[1]).toMatch(/^\s+fix: .*diags\/absent.*chmod \+x/);
    expect(existsSync(ws.simDir)).toBe(false);
    const dir = ws.onlyRun();
    const s = readJson(path.join(dir, 'summary.json'));
    expect(s.status).toBe('aborted');
    expect(s.reason).toContain('diags/absent');
    expect(readEvents(dir)).toEqual([]);
  });
});
