import { ConfigError, SafetyViolationError } from '../errors.js';
import type { Flow, HardwareProfile, Margin } from '../config/schemas/index.js';
import { isRailAdapter, type Loaded, type Workspace } from '../config/workspaceTypes.js';
import { problemAt } from '../config/yamlSource.js';
import type { HostFacts } from '../host/facts.js';
import { selectProfile, toProfileCandidate, type ProfileSelection } from '../host/match.js';
import { intersectPolicies, type EffectiveBounds } from '../safety/bounds.js';
import { checkPlan } from '../safety/checkPlan.js';
import { countPoints } from './axes.js';
import { buildPlan } from './buildPlan.js';
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
  const violations = checkPlan(plan);
  if (violations.length > 0) {
    throw new SafetyViolationError(violations, 'change the margin profile so every value lies within the bounds (road_runner policy show lists them)');
  }
  return { plan, decision };
}
