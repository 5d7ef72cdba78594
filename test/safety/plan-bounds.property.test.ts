// Property: a plan that planSweep accepts has every rail value (after jitter), every nominal
// and every numeric param inside the effective bounds (site policy ∩ profile); when any
// generated value lies outside, planSweep throws SafetyViolationError naming exactly those,
// with the bound and the file that set it. Expected violations are computed here, from the
// generated inputs, with an independent intersection of the bounds.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ConfigError, SafetyViolationError } from '../../src/errors.js';
import type { HardwareProfile, PolicyBody, SafetyPolicy } from '../../src/config/schemas/index.js';
import { planSweep } from '../../src/plan/planSweep.js';
import { expandPoints } from '../../src/plan/points.js';
import type { Plan } from '../../src/plan/types.js';
import { arbFlow, arbMargin, arbPolicyBody, buildWorkspace, railPool, runId, xeonHost, type FlowCase, type MarginCase } from '../plan/builders.js';

const host = xeonHost();
const siteFile = 'policy/safety.yaml';
const profileFile = 'policy/profiles/p.yaml';

interface Bound {
  min?: number;
  max?: number;
  minFile?: string;
  maxFile?: string;
}

// Site ∩ profile, side by side; a profile side replaces the site side only when stricter.
function intersect(site: PolicyBody['bounds'], profile: PolicyBody['bounds'] | undefined, name: string): Bound | null {
  const s = site?.[name];
  const p = profile?.[name];
  if (!s && !p) return null;
  const b: Bound = {};
  for (const [range, file] of [[s, siteFile], [p, profileFile]] as const) {
    if (range?.min !== undefined && (b.min === undefined || range.min > b.min)) Object.assign(b, { min: range.min, minFile: file });
    if (range?.max !== undefined && (b.max === undefined || range.max < b.max)) Object.assign(b, { max: range.max, maxFile: file });
  }
  return b;
}

// The text a violation of this value must contain, or null when the value is allowed.
function describeBreach(bound: Bound | null, value: number, requireAll: boolean): string | null {
  if (!bound) return requireAll ? `${value} is not allowed: the policy has no bound for` : null;
  if (bound.min !== undefined && bound.max !== undefined && bound.min > bound.max) return 'no value is allowed';
  if (bound.min !== undefined && value < bound.min) return `${value} is below min ${bound.min} set by ${bound.minFile}`;
  if (bound.max !== undefined && value > bound.max) return `${value} is above max ${bound.max} set by ${bound.maxFile}`;
  return null;
}

interface Inputs {
  m: MarginCase;
  f: FlowCase;
  site: SafetyPolicy;
  profile: PolicyBody | undefined;
  nominals: { vcore_mv: number; freq_mhz: number };
  seed: number;
}

/** Every violation the inputs must produce, as key → text the message must contain. */
function listExpectedViolations(x: Inputs): Map<string, string> {
  const out = new Map<string, string>();
  const requireAll = x.site.require_bounds_for_all_rails ?? true;
  const railBound = (rail: string) => intersect(x.site.bounds, x.profile?.bounds, rail);
  const usedRails = new Set(x.m.settings.map((s) => s.rail));
  for (const rail of ['vcore_mv', 'freq_mhz'] as const) {
    if (!usedRails.has(rail)) continue;
    const why = describeBreach(railBound(rail), x.nominals[rail], requireAll);
    if (why) out.set(`nominal|${rail}`, why);
  }
  const width = Math.max(2, String(x.m.expectedCount - 1).length);
  let i = -1;
  for (const point of expandPoints(x.m.margin, x.seed)) {
    i += 1;
    const id = `${runId}-s${String(i).padStart(width, '0')}`;
    for (const [target, rails] of Object.entries(point.values)) {
      for (const [rail, value] of Object.entries(rails)) {
        const why = describeBreach(railBound(rail), value, requireAll);
        if (why) out.set(`${id}|${target}|${rail}`, why);
      }
    }
  }
  const paramBound = intersect(x.site.params, x.profile?.params, 'diag-a.iterations');
  for (const { stepId, value } of x.f.iterations) {
    const why = describeBreach(paramBound, value, false);
    if (why) out.set(`param|${stepId}|${value}`, why);
  }
  return out;
}

const railLine = new RegExp(`^(${runId}-s\\d+)(?: \\(while (\\S+) runs\\))?: rail (\\S+): (.*)$`);
const nominalLine = /^nominal of (\S+) \(adapter \S+\): (.*)$/;
const paramLine = /^step (\S+?)(?: #\d+)? \(every sub-run\): param diag-a\.iterations: ((-?[\d.]+) .*)$/;

/** The violation messages, keyed like listExpectedViolations (repeats of a param collapse). */
function keyViolations(violations: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of violations) {
    let m = railLine.exec(v);
    if (m) {
      out.set(`${m[1]}|${m[2] ?? 'default'}|${m[3]}`, v);
      continue;
    }
    m = nominalLine.exec(v);
    if (m) {
      out.set(`nominal|${m[1]}`, v);
      continue;
    }
    m = paramLine.exec(v);
    if (m) {
      out.set(`param|${m[1]}|${m[3]}`, v);
      continue;
    }
    throw new Error(`unexpected violation text: ${v}`);
  }
  return out;
}

function listPlannedRailValues(plan: Plan): { rail: string; value: number }[] {
  const out: { rail: string; value: number }[] = [];
  for (const s of plan.subruns) {
    for (const [rail, value] of Object.entries(s.margins)) out.push({ rail, value });
    for (const rails of Object.values(s.adapter_margins)) for (const [rail, value] of Object.entries(rails)) out.push({ rail, value });
  }
  return out;
}

// Half the time every rail gets a wide bound, so that accepted plans are common too.
const arbSite: fc.Arbitrary<SafetyPolicy> = fc
  .tuple(
    fc.oneof(arbPolicyBody, fc.constant({ bounds: Object.fromEntries(railPool.map((r) => [r, { min: -1e6, max: 1e6 }])), params: {} })),
    fc.option(fc.boolean(), { nil: undefined }),
  )
  .map(([body, require]) => (require === undefined ? body : { ...body, require_bounds_for_all_rails: require }));

const arbInputs: fc.Arbitrary<Inputs> = fc.record({
  m: arbMargin({ jitter: true }),
  f: arbFlow(),
  site: arbSite,
  profile: fc.option(arbPolicyBody, { freq: 2, nil: undefined }),
  nominals: fc.record({ vcore_mv: fc.integer({ min: 500, max: 3000 }), freq_mhz: fc.integer({ min: 500, max: 3000 }) }),
  seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
});

test('accepted plans lie within the effective bounds; otherwise every violating value is named, with bound and file', () => {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(arbInputs, (x) => {
      const profiles: HardwareProfile[] = x.profile ? [{ name: 'p', priority: 1, match: { arch: 'x86_64' }, policy: x.profile }] : [];
      const { workspace, flow, margin } = buildWorkspace({ flow: x.f.flow, margin: x.m.margin, policy: x.site, profiles, nominals: x.nominals });
      const expected = listExpectedViolations(x);
      let plan: Plan | undefined;
      let violations: string[] = [];
      try {
        plan = planSweep({
          workspace, flow, margin, host, profile: x.profile ? 'p' : 'none', runId,
          createdAt: '2026-01-01T00:00:00.000Z', seed: x.seed, randomSeed: () => 0,
        }).plan;
      } catch (e) {
        if (e instanceof ConfigError) throw new Error(`unexpected input error: ${e.message}`);
        if (!(e instanceof SafetyViolationError)) throw e;
        violations = e.violations;
      }
      if (plan) {
        accepted += 1;
        expect([...expected.keys()]).toEqual([]);
        const requireAll = x.site.require_bounds_for_all_rails ?? true;
        for (const { rail, value } of listPlannedRailValues(plan)) {
          const b = intersect(x.site.bounds, x.profile?.bounds, rail);
          if (!b) {
            expect(requireAll).toBe(false);
            continue;
          }
          if (b.min !== undefined) expect(value).toBeGreaterThanOrEqual(b.min);
          if (b.max !== undefined) expect(value).toBeLessThanOrEqual(b.max);
        }
        const pb = intersect(x.site.params, x.profile?.params, 'diag-a.iterations');
        for (const step of plan.subruns[0]!.steps) {
          const v = step.params.iterations;
          if (step.adapter !== 'diag-a' || typeof v !== 'number' || !pb) continue;
          if (pb.min !== undefined) expect(v).toBeGreaterThanOrEqual(pb.min);
          if (pb.max !== undefined) expect(v).toBeLessThanOrEqual(pb.max);
        }
        return;
      }
      refused += 1;
      const got = keyViolations(violations);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, text] of expected) expect(got.get(key), key).toContain(text);
    }),
    { numRuns: 400 },
  );
  // Both outcomes were exercised, or the property proves little.
  expect(accepted).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(20);
});
