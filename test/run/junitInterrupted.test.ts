// JUnit of a real run stopped by SIGTERM in its first sub-run: every planned step is a
// testcase, the steps after the interrupted one are skipped, and the sub-run that never
// started is a suite of skipped cases that says why (SPEC §6: every planned step).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createWorkspace, waitForStepStart, type TestWorkspace } from './workspace.js';

let ws: TestWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

const FLOW = { steps: [{ id: 'first', adapter: 'pass' }, { id: 'stuck', adapter: 'hang' }, { id: 'never', adapter: 'pass' }] };
const TWO = { global_seed: 5, targets: { default: { vcore_mv: { values: [950, 975] }, freq_mhz: { fixed: 2000 } } } };

it('an interrupted run: the never-started sub-run is a suite of skipped steps that says why', async () => {
  ws = createWorkspace({ flows: { f: FLOW }, margins: { two: TWO } });
  const p = ws.startRun('f', 'two', ['--grace', '1']);
  await waitForStepStart(ws, 'stuck', 30_000);
  p.child.kill('SIGTERM');
  expect((await p.done).code).toBe(143);
  const runId = path.basename(ws.onlyRun());
  const out = path.join(ws.root, 'junit.xml');
  const r = await ws.cli(['export', runId, '--format', 'junit', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  const xml = readFileSync(out, 'utf8');
  const suites = xml.split('<testsuite ').slice(1);
  expect(suites).toHaveLength(2);
  expect(xml).toMatch(/<testsuites [^>]*tests="6" failures="0" errors="1" skipped="4"/);
  // The first sub-run: first passed, stuck interrupted (an error: nothing was judged), never skipped.
  expect(suites[0]).toMatch(/tests="3" failures="0" errors="1" skipped="1"/);
  expect(suites[0]).toMatch(/name="01_stuck"[^>]*>\s*<error type="interrupted"/);
  expect(suites[0]).toMatch(/name="02_never"[^>]*>\s*<skipped message="not run: step 01_stuck ended interrupted"/);
  // The second never started: three skipped cases naming the run's status.
  expect(suites[1]).toMatch(/tests="3" failures="0" errors="0" skipped="3"/);
  const reasons = [...suites[1]!.matchAll(/<skipped message="([^"]+)"/g)].map((m) => m[1]);
  expect(reasons).toHaveLength(3);
  for (const why of reasons) expect(why).toMatch(new RegExp(`^not run: sub-run ${runId}-s01 never started \\(run interrupted`));
  // Classnames carry the point, never the run-specific sub-run id.
  expect(suites[1]).toContain('classname="f.first.vcore_mv=975');
  expect(xml).not.toMatch(/classname="[^"]*rr-/);
});
