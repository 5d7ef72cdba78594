import { readFileSync } from 'node:fs';
import type { HostChoice } from '../workspace/host.js';
import type { Plan } from '../plan/types.js';
import { emptyCounts, emptySubrunCounts, type RunHealth, type RunStatus, type RunSummary, type StatusCounts, type SubrunSummary } from '../records/recordTypes.js';

/** This boot's id (Linux), or null where the kernel does not provide one. */
export function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Fields of the parent summary fixed when the run starts. */
export interface RunHeader {
  plan: Plan;
  unit: string;
  host: HostChoice;
  versions: Record<string, string>;
  startedAt: Date;
  dryRun: boolean;
}

/** The parent summary.json as first written: every sub-run `planned`. */
export function initialRunSummary(h: RunHeader): RunSummary {
  const { plan, host } = h;
  return {
    format: 'road_runner.run/1',
    run_id: plan.run_id,
    status: 'planned',
    unit: h.unit,
    seed: plan.seed,
    flow: plan.flow,
    margin: plan.margin,
    started_at: h.startedAt.toISOString(),
    ended_at: null,
    duration_ms: 0,
    dry_run: h.dryRun,
    exit_code: null,
    profile: plan.profile,
    profile_reasons: plan.profile_reasons,
    host: {
      origin: host.origin,
      hostname: host.facts.hostname,
      arch: host.facts.arch,
      vendor: host.facts.vendor,
      model: host.facts.modelName,
      cores: host.facts.totalCores,
      kernel: host.facts.kernelRelease,
    },
    bounds: plan.bounds,
    // A search lists its sub-runs as they run: none is planned ahead (its plan lists candidate points).
    counts: { ...emptyCounts(), skipped: plan.search ? 0 : plan.subruns.length * (plan.subruns[0]?.steps.length ?? 0) },
    subruns: plan.search ? [] : plan.subruns.map((s) => ({ id: s.id, index: s.index, status: 'planned', point: s.point, margins: s.margins })),
    versions: h.versions,
    inputs: plan.inputs,
    reason: null,
    boot_id: readBootId(),
    ...(plan.rerun_of === undefined ? {} : { rerun_of: plan.rerun_of }),
    ...(plan.replay_of === undefined ? {} : { replay_of: plan.replay_of }),
  };
}

/** The parent summary once the sub-runs are over (or known to have stopped). */
export function finalRunSummary(
  start: RunSummary,
  subruns: SubrunSummary[],
  outcome: { status: RunStatus; reason: string | null; exitCode: number; endedAt: Date; health?: RunHealth | null },
): RunSummary {
  const counts: StatusCounts = emptyCounts();
  for (const s of subruns) for (const [k, v] of Object.entries(s.counts)) counts[k as keyof StatusCounts] += v;
  const byId = new Map(subruns.map((s) => [s.id, s]));
  // A search's sub-runs are not known at the start: the ones that ran are listed in execution order.
  const known = new Set(start.subruns.map((s) => s.id));
  const added = subruns.filter((s) => !known.has(s.id)).map((s) => ({ id: s.id, index: s.index, status: s.status, point: s.point, margins: s.margins, reason: s.reason }));
  const listed = [...start.subruns, ...added].map((s) => {
    const ended = byId.get(s.id);
    // The reason of a sub-run that did not simply pass (marginal, failed by health, aborted).
    return { ...s, status: ended?.status ?? s.status, reason: ended?.status === 'passed' ? null : ended?.reason ?? s.reason ?? null };
  });
  const subrunCounts = emptySubrunCounts();
  for (const s of listed) subrunCounts[s.status] = (subrunCounts[s.status] ?? 0) + 1;
  return {
    ...start,
    status: outcome.status,
    ended_at: outcome.endedAt.toISOString(),
    duration_ms: outcome.endedAt.getTime() - Date.parse(start.started_at),
    exit_code: outcome.exitCode,
    counts,
    subrun_counts: subrunCounts,
    subruns: listed,
    reason: outcome.reason,
    health: outcome.health ?? start.health ?? null,
  };
}
