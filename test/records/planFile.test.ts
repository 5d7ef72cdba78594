// plan.json bytes are pinned (tests compare plans; rerun-last compares a rebuilt plan with the
// stored one): writePlanFile must write exactly what the plain definition writes, whatever the
// shape of the sub-runs, and leave nothing behind when it fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan, PlannedSubrun } from '../../src/plan/types.js';
import { writePlanFile } from '../../src/records/planFile.js';
import { intersectPolicies } from '../../src/safety/bounds.js';
import { arbFlow, arbMargin, diagA, diagB, railAdapter, runId, widePolicy } from '../plan/builders.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rr-planfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// The definition: top-level fields pretty-printed, then one compact sub-run per line with
// `steps` last.
function renderReference(plan: Plan): string {
  const { subruns, ...head } = plan;
  let text = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "subruns": [`;
  subruns.forEach((sub, i) => {
    const { steps, ...rest } = sub;
    text += `${i === 0 ? '' : ','}\n    ${JSON.stringify(rest).slice(0, -1)},"steps":${JSON.stringify(steps)}}`;
  });
  return text + (subruns.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
}

function writeAndRead(plan: Plan): string {
  const file = join(dir, 'runs', 'x', 'plan.json');
  writePlanFile(file, plan);
  return readFileSync(file, 'utf8');
}

const adapters = [diagA, diagB, railAdapter('vcore', 'vcore_mv', 1000), railAdapter('freq', 'freq_mhz', 2400)];
const executables = { 'diag-a': 'diags/diag-a', 'diag-b': 'diags/diag-b', vcore: 'diags/sim-rail', freq: 'diags/sim-rail' };
const bounds = intersectPolicies({ body: widePolicy, file: 'policy/safety.yaml' }, null);

function planOf(subruns: PlannedSubrun[], extra: Partial<Plan> = {}): Plan {
  return {
    format: 'road_runner.plan/1', run_id: runId, created_at: '2026-01-01T00:00:00.000Z', seed: 1, seed_source: 'option',
    flow: 'f', margin: 'm', combine: 'grid', profile: null, profile_reasons: [], bounds, rails: {}, axes: [], inputs: [], subruns, ...extra,
  };
}

test('plans built from random margins and flows are written as the definition writes them', () => {
  fc.assert(
    fc.property(arbMargin({ jitter: true }), arbFlow(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, f, seed) => {
      const plan = buildPlan({
        runId, createdAt: '2026-01-01T00:00:00.000Z', flow: f.flow, margin: m.margin, adapters, executables,
        bounds, profile: null, seed, seedSource: 'option', inputs: [],
      });
      const text = writeAndRead(plan);
      expect(text).toBe(renderReference(plan));
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(plan)));
    }),
    { numRuns: 100 },
  );
});

test('unusual sub-runs (escapes, non-finite numbers, other keys or order, own step lists) are written as JSON.stringify writes them', () => {
  const steps = [{ index: 1, step_id: 'a', adapter: 'diag-a', params: {}, argv: ['x'], timeout_s: 5, on_fail: 'stop' as const, expansion: 1, expansions: 1, log_name: '01_a.log' }];
  const base = (i: number): PlannedSubrun => ({
    id: `${runId}-s0${i}`, index: i, seed: i, point: { vcore_mv: 800 }, margins: { vcore_mv: 800.5 }, adapter_margins: {}, steps,
  });
  const odd: PlannedSubrun[] = [
    base(1),
    { ...base(2), id: 'quote"back\\slash\u0001é' },
    { ...base(3), point: { '10': 1, 'é "x"': -0, b: Infinity }, margins: { a: NaN, '2': 2 } },
    { ...base(4), adapter_margins: { 'diag-a': { vddq_mv: 1.5e-7, x: 1e21 }, 'diag-b': {} } },
    { ...base(5), steps: [] },
    { index: 6, id: `${runId}-s06`, seed: 6, point: {}, margins: {}, adapter_margins: {}, steps },
    { ...base(7), extra: 'field' } as PlannedSubrun,
    { ...base(8), margins: Object.assign(Object.create(null), { vcore_mv: 1 }) },
    { ...base(9), margins: { vcore_mv: 'text' as unknown as number, other: undefined as unknown as number } },
    { ...base(10), adapter_margins: { 'diag-a': [1, 2] as unknown as Record<string, number> } },
    { ...base(11), index: 1.5e300, seed: -0 },
    base(12),
    base(12),
  ];
  const plan = planOf(odd);
  expect(writeAndRead(plan)).toBe(renderReference(plan));
});

test('lines and headers larger than the write buffer, and many sub-runs, are written whole', () => {
  const bigSteps = [{ index: 1, step_id: 'a', adapter: 'diag-a', params: { note: 'ü'.repeat(700_000) }, argv: ['x'], timeout_s: 5, on_fail: 'stop' as const, expansion: 1, expansions: 1, log_name: '01_a.log' }];
  const subruns: PlannedSubrun[] = Array.from({ length: 3000 }, (_, i) => ({
    id: `${runId}-s${String(i + 1).padStart(4, '0')}`, index: i + 1, seed: i * 7919, point: { vcore_mv: 700 + i / 10 },
    margins: { vcore_mv: 700 + i / 10 }, adapter_margins: { 'diag-b': { vddq_mv: 1200 } }, steps: [],
  }));
  subruns[1500] = { ...subruns[1500]!, id: `${runId}-s1501-${'ı'.repeat(600_000)}`, steps: bigSteps };
  const plan = planOf(subruns, { axes: [{ name: 'vcore_mv', target: 'default', rail: 'vcore_mv', values: Array.from({ length: 200_000 }, (_, i) => i / 3) }] });
  expect(writeAndRead(plan)).toBe(renderReference(plan));
  expect(writeAndRead(planOf([]))).toBe(renderReference(planOf([])));
});

test('a failed write leaves neither the file nor its temp file', () => {
  const folder = join(dir, 'runs', 'y');
  mkdirSync(join(folder, 'plan.json'), { recursive: true }); // a folder where the file should go
  writeFileSync(join(folder, 'plan.json', 'keep'), '');
  expect(() => writePlanFile(join(folder, 'plan.json'), planOf([]))).toThrow();
  expect(readdirSync(folder)).toEqual(['plan.json']);
});
