import type { DiagAdapter, Flow, Margin, RailAdapter } from '../config/schemas/index.js';
import { isRailAdapter } from '../config/workspaceTypes.js';
import { subrunId } from '../records/layout.js';
import type { EffectiveBounds } from '../safety/bounds.js';
import { expandValues, listAxes, listRailSettings } from './axes.js';
import { axisName, preparePoints } from './points.js';
import { probeEstimate } from '../search/estimate.js';
import { candidateId, searchColumns, searchSpecOf } from './searchPlan.js';
import { expandSteps } from './steps.js';
import type { PlanSearch } from './searchPlan.js';
import type { Plan, PlanInput, PlannedRail, PlannedSubrun } from './types.js';

/** Everything buildPlan needs, already loaded, validated and selected. Plain data. */
export interface PlanRequest {
  runId: string;
  createdAt: string;
  flow: Flow;
  margin: Margin;
  adapters: (DiagAdapter | RailAdapter)[];
  /** Adapter name → argv[0] (`diags/x` or a bare PATH name). */
  executables: Record<string, string>;
  bounds: EffectiveBounds;
  profile: { name: string; reasons: string[] } | null;
  seed: number;
  seedSource: Plan['seed_source'];
  inputs: PlanInput[];
}

/** Rails the margin sets, each with its actuator (or marked passive) and nominal value. */
export function describeRails(margin: Margin, adapters: (DiagAdapter | RailAdapter)[]): Record<string, PlannedRail> {
  const rails: Record<string, PlannedRail> = {};
  for (const s of listRailSettings(margin)) {
    if (rails[s.rail]) continue;
    const actuator = adapters.find((a): a is RailAdapter => isRailAdapter(a) && a.rail === s.rail);
    rails[s.rail] = actuator
      // `nominal: read`: null here, read from the rail at the start of the run (runSession).
      ? { rail: s.rail, adapter: actuator.name, nominal: typeof actuator.nominal === 'number' ? actuator.nominal : null, passive: false }
      : { rail: s.rail, adapter: null, nominal: null, passive: true };
  }
  return rails;
}

/**
 * Expands the whole sweep into a parent plan and its sub-runs. Pure: the same request gives
 * the same plan. The point count must have been checked against the limit before calling.
 */
export function buildPlan(req: PlanRequest): Plan {
  const { margin } = req;
  const diagAdapters: Record<string, DiagAdapter> = {};
  for (const a of req.adapters) if (!isRailAdapter(a)) diagAdapters[a.name] = a;
  // Steps do not depend on the point: every sub-run shares one expanded list.
  const steps = expandSteps(req.flow.steps, diagAdapters, req.executables);
  const expansion = preparePoints(margin, req.seed);
  const count = expansion.total;
  // subrunId's layout, checked once: the run id is the same for all, only the index changes.
  const idPrefix = `${req.runId}-s`;
  const width = count > 0 ? subrunId(req.runId, count - 1, count).length - idPrefix.length : 0;
  const subruns: PlannedSubrun[] = [];
  // A search plans every candidate point too (checked like a grid), named `-pNN`: the `-sNN`
  // ids belong to the probes, numbered as they run.
  const searching = margin.search !== undefined;
  for (let i = 0; i < count; i++) {
    const p = expansion.pointAt(i);
    subruns.push({
      id: searching ? candidateId(req.runId, i, count) : idPrefix + String(i).padStart(width, '0'),
      index: i,
      seed: p.seed,
      point: p.point,
      margins: p.margins,
      adapter_margins: p.adapterMargins,
      steps,
    });
  }
  const axes = listAxes(listRailSettings(margin)).map((a) => ({ name: axisName(a), target: a.target, rail: a.rail, values: expandValues(a.spec) }));
  let search: PlanSearch | undefined;
  if (margin.search) {
    const spec = searchSpecOf(margin.search);
    const columns = searchColumns(axes, spec.rail, spec.direction);
    const estimate = probeEstimate(spec, columns);
    search = { spec, columns, worst_case: estimate.worstCase, expected: estimate.expected };
  }
  return {
    format: 'road_runner.plan/1',
    run_id: req.runId,
    created_at: req.createdAt,
    seed: req.seed,
    seed_source: req.seedSource,
    flow: req.flow.name,
    margin: margin.name,
    combine: margin.combine ?? 'grid',
    profile: req.profile?.name ?? null,
    profile_reasons: req.profile?.reasons ?? [],
    bounds: req.bounds,
    rails: describeRails(margin, req.adapters),
    axes,
    inputs: req.inputs,
    ...(search ? { search } : {}),
    subruns,
  };
}
