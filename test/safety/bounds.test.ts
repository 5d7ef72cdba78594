// Effective bounds = site policy ∩ profile: a profile can only tighten, and every side of
// every bound names the file that set it. checkPlan names what breaks them.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { PolicyBody } from '../../src/config/schemas/index.js';
import { checkBound, checkRailValue, defaultMaxSubruns, intersectPolicies } from '../../src/safety/bounds.js';
import { checkPlan } from '../../src/safety/checkPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { arbPolicyBody } from '../plan/builders.js';

test('a profile only tightens: each side is the stricter one, from the file that set it', () => {
  fc.assert(
    fc.property(arbPolicyBody, arbPolicyBody, (site, profile) => {
      const eff = intersectPolicies({ body: site, file: 'site.yaml' }, { body: profile, file: 'profile.yaml' });
      for (const [rail, b] of Object.entries(eff.rails)) {
        const s = site.bounds?.[rail];
        const p = profile.bounds?.[rail];
        const mins = [s?.min, p?.min].filter((v): v is number => v !== undefined);
        const maxs = [s?.max, p?.max].filter((v): v is number => v !== undefined);
        expect(b.min).toBe(Math.max(...mins));
        expect(b.max).toBe(Math.min(...maxs));
        if (s?.min !== undefined) expect(b.min!).toBeGreaterThanOrEqual(s.min);
        if (s?.max !== undefined) expect(b.max!).toBeLessThanOrEqual(s.max);
        expect(b.min_source).toBe(p?.min !== undefined && (s?.min === undefined || p.min > s.min) ? 'profile.yaml' : 'site.yaml');
        expect(b.max_source).toBe(p?.max !== undefined && (s?.max === undefined || p.max < s.max) ? 'profile.yaml' : 'site.yaml');
      }
      const named = new Set([...Object.keys(site.bounds ?? {}), ...Object.keys(profile.bounds ?? {})]);
      expect(new Set(Object.keys(eff.rails))).toEqual(named);
    }),
    { numRuns: 300 },
  );
});

test('checkRailValue accepts exactly the values inside the effective bound', () => {
  fc.assert(
    fc.property(arbPolicyBody, fc.integer({ min: -1000, max: 7000 }), (site, value) => {
      const eff = intersectPolicies({ body: site, file: 'site.yaml' }, null);
      const b = eff.rails.vcore_mv;
      const why = checkRailValue(eff, 'vcore_mv', value);
      if (!b) expect(why).toMatch(/the policy has no bound for vcore_mv/);
      else expect(why === null).toBe(value >= b.min! && value <= b.max!);
    }),
    { numRuns: 300 },
  );
});

test('limits: the smaller max_subruns wins; defaults apply when no file sets them', () => {
  const site: PolicyBody = { limits: { max_subruns: 500 } };
  const looser: PolicyBody = { limits: { max_subruns: 900, max_step_timeout_s: 60 }, require_bounds_for_all_rails: false };
  const eff = intersectPolicies({ body: site, file: 'site.yaml' }, { body: looser, file: 'p.yaml' });
  expect(eff.limits).toEqual({ max_subruns: 500, max_subruns_source: 'site.yaml', max_step_timeout_s: 60, max_step_timeout_s_source: 'p.yaml' });
  expect(eff.require_bounds_for_all_rails).toBe(false);
  const none = intersectPolicies({ body: {}, file: 'site.yaml' }, null);
  expect(none.limits).toEqual({ max_subruns: defaultMaxSubruns, max_subruns_source: 'road_runner default' });
  expect(none.require_bounds_for_all_rails).toBe(true);
  // A profile cannot switch the requirement off once the site asks for it.
  expect(intersectPolicies({ body: { require_bounds_for_all_rails: true }, file: 's' }, { body: { require_bounds_for_all_rails: false }, file: 'p' }).require_bounds_for_all_rails).toBe(true);
});

test('checkBound messages name value, bound and file', () => {
  const b = { min: 800, max: 1000, min_source: 'policy/safety.yaml', max_source: 'policy/profiles/x.yaml' };
  expect(checkBound(b, 799)).toBe('799 is below min 800 set by policy/safety.yaml');
  expect(checkBound(b, 1001)).toBe('1001 is above max 1000 set by policy/profiles/x.yaml');
  expect(checkBound(b, 800)).toBeNull();
  expect(checkBound({ ...b, min: 1100 }, 900)).toBe(
    '900 is out of bounds: min 1100 (policy/safety.yaml) is above max 1000 (policy/profiles/x.yaml), so no value is allowed');
});

test('checkPlan names nominal, sub-run, adapter-target, param and timeout violations', () => {
  const bounds = intersectPolicies({
    body: { bounds: { vcore_mv: { min: 800, max: 1000 }, vddq_mv: { min: 1100, max: 1300 } }, params: { 'd.n': { max: 5 } }, limits: { max_step_timeout_s: 100 } },
    file: 'policy/safety.yaml',
  }, null);
  const step = { index: 1, step_id: 'a', adapter: 'd', params: { n: 6, mode: 'x' }, argv: ['diags/d'], timeout_s: 120, on_fail: 'stop' as const, expansion: 2, expansions: 3, log_name: '01_a-2.log' };
  const plan: Plan = {
    format: 'road_runner.plan/1', run_id: 'rr-20260101T000000Z-abcdef', created_at: 'x', seed: 1, seed_source: 'option',
    flow: 'f', margin: 'm', combine: 'grid', profile: null, profile_reasons: [], bounds,
    rails: { vcore_mv: { rail: 'vcore_mv', adapter: 'vcore', nominal: 1050, passive: false }, vddq_mv: { rail: 'vddq_mv', adapter: null, nominal: null, passive: true } },
    axes: [], inputs: [],
    subruns: [
      { id: 'rr-20260101T000000Z-abcdef-s01', index: 1, seed: 1, point: {}, margins: { vcore_mv: 900 }, adapter_margins: { d: { vddq_mv: 1400 } }, steps: [step] },
      { id: 'rr-20260101T000000Z-abcdef-s02', index: 2, seed: 2, point: {}, margins: { vcore_mv: 790 }, adapter_margins: { d: { vddq_mv: 1200 } }, steps: [step] },
    ],
  };
  expect(checkPlan(plan)).toEqual([
    'nominal of vcore_mv (adapter vcore): rail vcore_mv: 1050 is above max 1000 set by policy/safety.yaml',
    'rr-20260101T000000Z-abcdef-s01 (while d runs): rail vddq_mv: 1400 is above max 1300 set by policy/safety.yaml',
    'rr-20260101T000000Z-abcdef-s02: rail vcore_mv: 790 is below min 800 set by policy/safety.yaml',
    'step a #2 (every sub-run): param d.n: 6 is above max 5 set by policy/safety.yaml',
    'step a #2 (every sub-run): timeout 120 s is above max_step_timeout_s 100 set by policy/safety.yaml',
  ]);
});
