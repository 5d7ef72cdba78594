// In-memory builders for the planning tests: a Workspace made of plain objects (no files), and
// fast-check arbitraries for margins and flows that carry the counts they must expand to,
// computed here independently of src/plan.
import fc from 'fast-check';
import type { DiagAdapter, Flow, FlowStep, HardwareProfile, Margin, PolicyBody, RailAdapter, RailSpec, SafetyPolicy } from '../../src/config/schemas/index.js';
import type { Loaded, Workspace } from '../../src/config/workspaceTypes.js';
import { buildHostFacts, type HostFacts } from '../../src/host/facts.js';
import { readLscpuFixture, readUnameFixture } from '../host/fixtures.js';

export const runId = 'rr-20260101T000000Z-abcdef';
export const otherRunId = 'rr-20270202T111111Z-123456';

/** A loaded file made from data alone. */
export function loaded<T>(file: string, data: T): Loaded<T> {
  return { source: { file, data, positions: {} }, data, sha256: `sha-of-${file}` };
}

export const diagA: DiagAdapter = {
  name: 'diag-a',
  executable: 'diag-a',
  timeout_s: 60,
  params: {
    iterations: { type: 'integer', flag: '--iterations', min: 1, max: 1_000_000, default: 10 },
    pattern: { type: 'enum', flag: '--pattern', values: ['walk', 'random'] },
  },
};
export const diagB: DiagAdapter = {
  name: 'diag-b',
  executable: 'diag-b',
  params: { size_mb: { type: 'integer', flag: '--size-mb', min: 1, max: 65536 } },
};

export function railAdapter(name: string, rail: string, nominal: number): RailAdapter {
  return { name, kind: 'rail', rail, executable: 'sim-rail', set: ['set', rail, '{value}'], get: ['get', rail], nominal };
}

/** Rails a margin may use; vcore_mv and freq_mhz have actuators, the others are passive. */
export const railPool = ['vcore_mv', 'freq_mhz', 'vddq_mv', 'vsoc_mv'] as const;
export const diagTargets = ['diag-a', 'diag-b'] as const;

export interface WorkspaceParts {
  flow: Flow;
  margin: Margin;
  policy: SafetyPolicy;
  profiles?: HardwareProfile[];
  nominals?: { vcore_mv: number; freq_mhz: number };
}

/** A Workspace with the two diagnostics, actuators for vcore_mv and freq_mhz, and the given files. */
export function buildWorkspace(parts: WorkspaceParts): { workspace: Workspace; flow: Loaded<Flow>; margin: Loaded<Margin> } {
  const nominals = parts.nominals ?? { vcore_mv: 1000, freq_mhz: 2400 };
  const flow = loaded('flows/f.yaml', parts.flow);
  const margin = loaded('margins/m.yaml', parts.margin);
  const workspace: Workspace = {
    root: '/nonexistent/ws',
    adapters: [
      loaded('adapters/diag-a.yaml', diagA),
      loaded('adapters/diag-b.yaml', diagB),
      loaded('adapters/vcore.yaml', railAdapter('vcore', 'vcore_mv', nominals.vcore_mv)),
      loaded('adapters/freq.yaml', railAdapter('freq', 'freq_mhz', nominals.freq_mhz)),
    ],
    flows: [flow],
    margins: [margin],
    policy: loaded('policy/safety.yaml', parts.policy),
    profiles: (parts.profiles ?? []).map((p) => loaded(`policy/profiles/${p.name}.yaml`, p)),
    executables: {
      'diag-a': { kind: 'diags', ref: 'diags/diag-a', found: true },
      'diag-b': { kind: 'diags', ref: 'diags/diag-b', found: true },
      vcore: { kind: 'diags', ref: 'diags/sim-rail', found: true },
      freq: { kind: 'diags', ref: 'diags/sim-rail', found: true },
    },
    problems: [],
  };
  return { workspace, flow, margin };
}

/** Facts of a captured Xeon host (no profile in these tests matches on purpose). */
export function xeonHost(): HostFacts {
  const name = 'xeon-gold-6338-2s-flat-rhel8';
  return buildHostFacts({ lscpu: readLscpuFixture(name), uname: readUnameFixture(name) });
}

/** A policy with a wide bound on every pool rail: accepts anything the arbitraries make. */
export const widePolicy: SafetyPolicy = {
  bounds: Object.fromEntries(railPool.map((r) => [r, { min: -1e9, max: 1e9 }])),
};

// ---- margins --------------------------------------------------------------------------

/** A rail spec with the values it must expand to, in order. */
export interface SpecCase {
  spec: RailSpec;
  values: number[];
}

/**
 * A rail spec with exactly `n` values (fixed only when n = 1). Sweeps may use decimal steps
 * (tenths, hundredths) and a stop that no step lands on exactly.
 */
export function arbSpec(n: number): fc.Arbitrary<SpecCase> {
  const sweep = fc
    .record({
      scale: fc.constantFrom(1, 10, 100),
      start: fc.integer({ min: -2000, max: 3000 }),
      step: fc.integer({ min: 1, max: 60 }),
      down: fc.boolean(),
      overshoot: fc.integer({ min: 0, max: 59 }),
    })
    .map(({ scale, start, step, down, overshoot }): SpecCase => {
      const signed = down ? -step : step;
      // The stop lies between the last value and the one after it (never reaching the next).
      const extra = (overshoot % step) * (down ? -1 : 1);
      const at = (k: number) => Number((k / scale).toFixed(2));
      return {
        spec: { sweep: { start: at(start), stop: at(start + signed * (n - 1) + extra), step: at(signed) } },
        values: Array.from({ length: n }, (_, i) => at(start + signed * i)),
      };
    });
  const list = fc
    .uniqueArray(fc.integer({ min: 0, max: 3000 }), { minLength: n, maxLength: n })
    .map((values): SpecCase => ({ spec: { values }, values }));
  if (n === 1) {
    const fixed = fc.integer({ min: 0, max: 3000 }).map((v): SpecCase => ({ spec: { fixed: v }, values: [v] }));
    return fc.oneof(fixed, list, sweep);
  }
  return fc.oneof(list, sweep);
}

/** One rail setting of a generated margin. */
export interface SettingCase extends SpecCase {
  target: string;
  rail: string;
}

export interface MarginCase {
  margin: Margin;
  settings: SettingCase[];
  /** Points the margin must expand to, computed from the generated counts. */
  expectedCount: number;
}

/**
 * Random grid or zip margins: a `default` target with one or two rails, and up to two
 * adapter-specific targets with one rail each; fixed rails and single values included.
 * Grids stay small (at most 4 values per axis, 4 settings).
 */
export function arbMargin(options: { jitter?: boolean; seed?: boolean } = {}): fc.Arbitrary<MarginCase> {
  return fc
    .record({
      combine: fc.constantFrom<'grid' | 'zip' | undefined>('grid', 'zip', undefined),
      zipLength: fc.integer({ min: 2, max: 6 }),
      defaultRails: fc.uniqueArray(fc.constantFrom(...railPool), { minLength: 1, maxLength: 2 }),
      adapterTargets: fc.uniqueArray(fc.tuple(fc.constantFrom(...diagTargets), fc.constantFrom(...railPool)), {
        maxLength: 2,
        selector: ([t]) => t,
      }),
    })
    .chain(({ combine, zipLength, defaultRails, adapterTargets }) => {
      const slots: [string, string][] = [...defaultRails.map((r): [string, string] => ['default', r]), ...adapterTargets];
      const arbCount = combine === 'zip' ? fc.constantFrom(1, zipLength) : fc.integer({ min: 1, max: 4 });
      const arbSettings = fc.tuple(
        ...slots.map(([target, rail]) => arbCount.chain((n) => arbSpec(n)).map((c): SettingCase => ({ ...c, target, rail }))),
      );
      const usedRails = [...new Set(slots.map(([, r]) => r))];
      const arbJitter = options.jitter
        ? fc.dictionary(fc.constantFrom(...usedRails), fc.constantFrom(0, 1, 2.5, 5).map((amplitude) => ({ amplitude })), { maxKeys: 2 })
        : fc.constant(undefined);
      const arbSeed = options.seed ? fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }) : fc.constant(undefined);
      return fc.tuple(arbSettings, arbJitter, arbSeed).map(([settings, jitter, seed]): MarginCase => {
        const targets: Margin['targets'] = {};
        for (const s of settings) (targets[s.target] ??= {})[s.rail] = s.spec;
        const margin: Margin = { name: 'm', targets };
        if (combine !== undefined) margin.combine = combine;
        if (jitter && Object.keys(jitter).length > 0) margin.jitter = jitter;
        if (seed !== undefined) margin.global_seed = seed;
        const lengths = settings.map((s) => s.values.length);
        const expectedCount = combine === 'zip'
          ? Math.max(1, ...lengths)
          : lengths.reduce((a, b) => a * b, 1);
        return { margin, settings, expectedCount };
      });
    });
}

// ---- flows ----------------------------------------------------------------------------

export interface FlowCase {
  flow: Flow;
  /** Invocations every sub-run must hold: Σ over steps of (sweep combinations × repeat). */
  expectedSteps: number;
  /** Every iterations value a step of diag-a runs with (params, sweep or the default 10), by step id. */
  iterations: { stepId: string; value: number }[];
}

const arbStep = (i: number): fc.Arbitrary<{ step: FlowStep; count: number; iterations: number[] }> =>
  fc
    .record({
      adapter: fc.constantFrom('diag-a', 'diag-b'),
      iterations: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
      sweepIterations: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      sweepPattern: fc.option(fc.subarray(['walk', 'random'], { minLength: 1 }), { nil: undefined }),
      size: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      repeat: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    })
    .map((r) => {
      const step: FlowStep = { id: `s${i}`, adapter: r.adapter };
      let combos = 1;
      let iterations: number[] = [];
      if (r.adapter === 'diag-a') {
        const sweep: Record<string, (string | number)[]> = {};
        if (r.sweepIterations) {
          sweep.iterations = r.sweepIterations;
          combos *= r.sweepIterations.length;
          iterations = r.sweepIterations;
        } else if (r.iterations !== undefined) {
          step.params = { iterations: r.iterations };
          iterations = [r.iterations];
        } else iterations = [10];
        if (r.sweepPattern) {
          sweep.pattern = r.sweepPattern;
          combos *= r.sweepPattern.length;
        }
        if (Object.keys(sweep).length > 0) step.sweep = sweep;
      } else if (r.size !== undefined) step.params = { size_mb: r.size };
      if (r.repeat !== undefined) step.repeat = r.repeat;
      return { step, count: combos * (r.repeat ?? 1), iterations };
    });

/** Random flows of one to three steps over diag-a and diag-b, with sweeps and repeats. */
export function arbFlow(): fc.Arbitrary<FlowCase> {
  return fc.integer({ min: 1, max: 3 }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => arbStep(i))).map((steps): FlowCase => ({
      flow: { name: 'f', steps: steps.map((s) => s.step) },
      expectedSteps: steps.reduce((a, s) => a + s.count, 0),
      iterations: steps.flatMap((s) => s.iterations.map((value) => ({ stepId: s.step.id, value }))),
    })),
  );
}

/** Random site bounds for the pool rails (a rail may lack a bound) and diag-a.iterations. */
export const arbPolicyBody: fc.Arbitrary<PolicyBody> = fc.record({
  bounds: fc.dictionary(
    fc.constantFrom(...railPool),
    fc.tuple(fc.integer({ min: -500, max: 3000 }), fc.integer({ min: 0, max: 3000 })).map(([min, span]) => ({ min, max: min + span })),
    { minKeys: 2 },
  ),
  params: fc.option(
    fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 4000 })).map(([min, span]) => ({ 'diag-a.iterations': { min, max: min + span } })),
    { nil: undefined },
  ).map((p) => p ?? {}),
});
