import { ConfigError, SafetyViolationError } from '../errors.js';
import type { DiagAdapter, Flow, HardwareProfile, Margin } from '../config/schemas/index.js';
import { isRailAdapter, type Loaded, type Workspace } from '../config/workspaceTypes.js';
import { problemAt } from '../config/yamlSource.js';
import type { HostFacts } from '../host/facts.js';
import { selectProfile, toProfileCandidate, type ProfileSelection } from '../host/match.js';
import { intersectPolicies, type EffectiveBounds } from '../safety/bounds.js';
import { checkPlan } from '../safety/checkPlan.js';
import { defaultMaxStepInvocations } from '../safety/bounds.js';
import { checkStepArgv } from './argvCheck.js';
import { countPoints } from './axes.js';
import { buildPlan } from './buildPlan.js';
import { countFlowInvocations } from './stepCount.js';
import type { Plan, PlanInput } from './types.js';

export interface SweepRequest {
  workspace: Workspace;
  flow: Loaded<Flow>;
  margin: Loaded<Margin>;
  host: HostFacts;
  /** `--profile NAME|none`; undefined selects by matching the host. */
  profile?: string;
  runId: string;
  createdAt: string;
  /** `--seed`; else the margin's global_seed; else randomSeed(). */
  seed?: number;
  randomSeed: () => number;
}

/** A ceiling no policy can raise: the plan is expanded in memory before anything runs. */
export const maxPlannableSubruns = 1_000_000;

/** Ceilings no policy can raise: a sub-run's step list is built in memory, and plan.json holds every invocation. */
export const maxPlannableStepsPerSubrun = 100_000;
export const maxPlannableStepInvocations = 10_000_000;

/** The effective bounds and the profile decision for a host. */
export interface BoundsDecision {
  selection: ProfileSelection;
  profile: Loaded<HardwareProfile> | null;
  bounds: EffectiveBounds;
}

/** Selects the profile for a host and intersects its policy with the site policy. */
export function decideBounds(workspace: Workspace, host: HostFacts, forced?: string): BoundsDecision {
  const policy = workspace.policy;
  if (!policy) throw new ConfigError(workspace.problems);
  const candidates = workspace.profiles.map((p) => toProfileCandidate(p.data, p.source.file));
  const selection = selectProfile(host, candidates, forced);
  const profile = selection.selected ? workspace.profiles.find((p) => p.data.name === selection.selected!.name) ?? null : null;
  const bounds = intersectPolicies(
    { body: policy.data, file: policy.source.file },
    profile ? { body: profile.data.policy, file: profile.source.file } : null,
  );
  return { selection, profile, bounds };
}

/**
 * Plans a sweep: selects the profile, counts the points arithmetically against the limit,
 * expands, and checks every value. Throws ConfigError (exit 2) for input problems and
 * SafetyViolationError (exit 3) listing every violation; returns only a safe plan.
 */
export function planSweep(req: SweepRequest): { plan: Plan; decision: BoundsDecision } {
  const { workspace, flow, margin } = req;
  if (workspace.problems.length > 0) throw new ConfigError(workspace.problems);
  const decision = decideBounds(workspace, req.host, req.profile);
  const { bounds } = decision;
  const count = countPoints(margin.data);
  if (count > bounds.limits.max_subruns) {
    throw new ConfigError([
      problemAt(margin.source, '/targets',
        `the sweep has ${count.toLocaleString('en-US')} margin points, more than max_subruns ${bounds.limits.max_subruns} set by ${bounds.limits.max_subruns_source}`,
        'use fewer values or a coarser step, or raise limits.max_subruns in the policy'),
    ]);
  }
  if (count > maxPlannableSubruns) {
    throw new ConfigError([
      problemAt(margin.source, '/targets',
        `the sweep has ${count.toLocaleString('en-US')} margin points; road_runner plans at most ${maxPlannableSubruns.toLocaleString('en-US')} sub-runs, whatever the policy allows`,
        'use fewer values or a coarser step, or split the sweep into several margin profiles'),
    ]);
  }
  checkInvocationCount(flow, count, bounds);
  const usedDiags = new Set(flow.data.steps.map((s) => s.adapter));
  const usedRails = new Set(Object.values(margin.data.targets).flatMap((t) => Object.keys(t)));
  const adapters = workspace.adapters.filter((a) => (isRailAdapter(a.data) ? usedRails.has(a.data.rail) : usedDiags.has(a.data.name)));
  const executables: Record<string, string> = {};
  for (const [name, ref] of Object.entries(workspace.executables)) executables[name] = ref.ref;
  const inputs: PlanInput[] = [
    { file: flow.source.file, sha256: flow.sha256, role: 'flow' },
    { file: margin.source.file, sha256: margin.sha256, role: 'margin' },
    ...adapters.map((a): PlanInput => ({ file: a.source.file, sha256: a.sha256, role: 'adapter' })),
  ];
  if (workspace.policy) inputs.push({ file: workspace.policy.source.file, sha256: workspace.policy.sha256, role: 'policy' });
  if (decision.profile) inputs.push({ file: decision.profile.source.file, sha256: decision.profile.sha256, role: 'profile' });
  const seed = req.seed ?? margin.data.global_seed ?? req.randomSeed();
  const plan = buildPlan({
    runId: req.runId,
    createdAt: req.createdAt,
    flow: flow.data,
    margin: margin.data,
    adapters: adapters.map((a) => a.data),
    executables,
    bounds,
    profile: decision.selection.selected ? { name: decision.selection.selected.name, reasons: decision.selection.reasons } : null,
    seed,
    seedSource: req.seed !== undefined ? 'option' : margin.data.global_seed !== undefined ? 'margin' : 'random',
    inputs,
  });
  const diags: Record<string, DiagAdapter> = {};
  for (const a of adapters) if (!isRailAdapter(a.data)) diags[a.data.name] = a.data;
  const argvProblems = checkStepArgv(plan.subruns[0]?.steps ?? [], flow, diags);
  if (argvProblems.length > 0) throw new ConfigError(argvProblems);
  const violations = checkPlan(plan);
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, 'change the margin profile so every value lies within the bounds (road_runner policy show lists them)');
  }
  return { plan, decision };
}

/**
 * Counts the step invocations of the plan (sub-runs × steps per sub-run) arithmetically and
 * refuses, as an input error located at the step that expands the most, a plan that would hold
 * more than the policy's `limits.max_step_invocations` (default 1,000,000) or than road_runner
 * can build at all.
 */
function checkInvocationCount(flow: Loaded<Flow>, points: number, bounds: EffectiveBounds): void {
  const { total: perSubrun, largest } = countFlowInvocations(flow.data.steps);
  const total = perSubrun * points;
  const step = flow.data.steps[largest]!;
  const at = step.repeat !== undefined && step.repeat > 1 ? `/steps/${largest}/repeat` : step.sweep !== undefined ? `/steps/${largest}/sweep` : '/steps';
  const fmt = (n: number) => n.toLocaleString('en-US');
  const limit = bounds.limits.max_step_invocations ?? defaultMaxStepInvocations;
  const source = bounds.limits.max_step_invocations_source ?? 'road_runner default';
  const fewer = `lower repeat or sweep fewer values in step "${step.id}"`;
  if (perSubrun > maxPlannableStepsPerSubrun) {
    throw new ConfigError([problemAt(flow.source, at,
      `the flow expands to ${fmt(perSubrun)} step invocations per sub-run; road_runner plans at most ${fmt(maxPlannableStepsPerSubrun)}, whatever the policy allows`,
      `${fewer}, or split the flow into several flows`)]);
  }
  if (total > limit) {
    throw new ConfigError([problemAt(flow.source, at,
      `the plan has ${fmt(total)} step invocations (${fmt(points)} sub-run${points === 1 ? '' : 's'} × ${fmt(perSubrun)} steps), more than max_step_invocations ${fmt(limit)} set by ${source}`,
      `${fewer}, use fewer margin points, or raise limits.max_step_invocations in the policy`)]);
  }
  if (total > maxPlannableStepInvocations) {
    throw new ConfigError([problemAt(flow.source, at,
      `the plan has ${fmt(total)} step invocations (${fmt(points)} sub-runs × ${fmt(perSubrun)} steps); road_runner plans at most ${fmt(maxPlannableStepInvocations)}, whatever the policy allows`,
      `${fewer}, or split the sweep into several margin profiles`)]);
  }
}
