import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { RuntimeAbortError, SafetyViolationError } from '../errors.js';
import type { Validators } from '../config/validate.js';
import type { HostFacts } from '../host/facts.js';
import type { Plan } from '../plan/types.js';
import { checkRailValue } from '../safety/bounds.js';
import { boundsInForceNow } from '../safety/boundsNow.js';
import { openRunEventLog } from '../records/runEventLog.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { isJournalOrphaned, readJournal, removeJournal, type Journal } from '../records/journal.js';
import { readJsonFile, writeJsonAtomic } from '../records/jsonFile.js';
import { runDir, runsDir } from '../records/layout.js';
import { readRunningGroups, runningGroupsPath } from '../records/runningGroups.js';
import { SPACE_RESERVE_FILE } from '../records/spaceReserve.js';
import { emptyCounts, type RunRecovery, type RunStatus, type RunSummary, type StatusCounts, type StepEndEvent, type SubrunSummary } from '../records/recordTypes.js';
import { readEvents } from '../records/eventReader.js';
import { countSteps } from './subrun.js';
import { plannedSummary } from './executePlan.js';
import { restoreRail, type ActuatorCallRecord } from './rails.js';
import { loadRecoveryActuators, type AdapterSource } from './recoveryActuators.js';
import { RecoveryFailedError, type RailRecovery } from './recoveryMessage.js';
import { endProcessesOfCrashedRun, type ProcessRecovery } from './recoverProcesses.js';

/** What recovery found and did. */
export interface RecoveryReport {
  run_id: string;
  subrun_id: string | null;
  /** The crashed run's processes that were still running, and recorded groups left alone. */
  processes: ProcessRecovery;
  rails: RailRecovery[];
  /** `restored` by road_runner, or `cleared` on the operator's word (no actuator called). */
  action: RunRecovery['action'];
  /** The manifests the rails were restored with; null when cleared or no rail was touched. */
  adapter_source: AdapterSource | null;
}

/** How to recover: whose manifests restore the rails, who does it, and the clock. */
export interface RecoverOptions {
  /** `recorded` (default): the copies in the run's inputs/; `workspace`: today's adapters/. */
  adapterSource?: AdapterSource;
  /** Recorded in the run's summary; default: the user road_runner runs as. */
  operator?: string;
  now?: () => Date;
}

/**
 * Finds a crash journal whose road_runner is gone, ends its orphaned diagnostics, returns
 * every rail it touched to nominal (checked against the bounds in force now for `host` ∩ that
 * run's recorded bounds) with the recorded or today's manifests, and marks that run and its
 * active sub-run `crashed`. Returns null when there is nothing to recover. A rail that cannot
 * be restored throws RecoveryFailedError (exit 4), saying per rail what was tried; the journal stays.
 */
export async function recoverOrphan(root: string, validators: Validators, envPath: string, graceMs: number, host: HostFacts, options: RecoverOptions = {}): Promise<RecoveryReport | null> {
  const runs = runsDir(root);
  const journal = readJournal(runs);
  if (!journal || !isJournalOrphaned(journal)) return null;
  const source = options.adapterSource ?? 'recorded';
  const now = options.now ?? (() => new Date());
  const dir = runDir(root, journal.run_id);
  // Only processes proven the run's (its cgroup, or boot id + start time + RR_RUN_ID) are ended.
  const processes = await endProcessesOfCrashedRun(journal, [...new Set([...journal.pgids, ...readRunningGroups(runs)])], graceMs);

  const rails: RailRecovery[] = [];
  const touched = Object.keys(journal.rails);
  const byHand = `restore ${touched.map((r) => `${r} to ${journal.rails[r]!.nominal}`).join(', ')} by hand, then run \`road_runner recover --clear --yes\``;
  if (touched.length > 0) {
    const planFile = path.join(dir, 'plan.json');
    if (!existsSync(planFile)) {
      throw new RuntimeAbortError(`crashed run ${journal.run_id} touched rails ${touched.join(', ')} but its plan.json is missing, so their bounds are unknown`, byHand);
    }
    const plan = readJsonFile(planFile, 'plan of the crashed run') as Plan;
    // Nominal is checked against the bounds in force now ∩ the recorded ones, whichever
    // manifests restore it. A nominal that today's policy forbids is not applied: the rails
    // stay as they are, the journal is kept, and the operator fixes the policy or restores by
    // hand (docs/decisions.md, docs/recovery.md).
    const bounds = boundsInForceNow(validators, root, host, plan.bounds, journal.run_id);
    const forbidden = touched.flatMap((rail) => {
      const why = checkRailValue(bounds, rail, journal.rails[rail]!.nominal);
      return why ? [`nominal of ${rail}: ${why}`] : [];
    });
    if (forbidden.length > 0) {
      throw new SafetyViolationError(forbidden,
        `no rail of crashed run ${journal.run_id} was touched; fix the policy so nominal is allowed, or ${byHand}`);
    }
    const actuators = loadRecoveryActuators(root, dir, journal.rails, source, validators, envPath);
    const log = openRunEventLog(dir, journal.run_id);
    try {
      for (const found of actuators) {
        const { rail } = found;
        const nominal = journal.rails[rail]!.nominal;
        const calls: ActuatorCallRecord[] = [];
        const r = found.actuator
          ? await restoreRail({ ...found.actuator, nominal }, bounds, { RR_RUN_ID: journal.run_id }, calls)
          : { requested: nominal, read_back: null, ok: false, error: `no actuator for ${rail}: ${found.missing ?? 'unknown'}` };
        log.append({
          event: 'margin_restore', run_id: journal.run_id, subrun_id: journal.subrun_id, rail, adapter: found.adapter ?? journal.rails[rail]!.adapter,
          reason: 'crash recovery', ...r, adapter_source: source, manifest: found.manifest, manifest_sha256: found.manifest_sha256,
        });
        rails.push({
          rail, nominal, ok: r.ok, read_back: r.read_back, error: r.error, adapter: found.adapter, manifest: found.manifest,
          manifest_sha256: found.manifest_sha256, executable: found.actuator?.file ?? null, calls,
        });
      }
    } finally {
      log.close();
    }
    if (rails.some((r) => !r.ok)) throw new RecoveryFailedError(journal.run_id, rails, source);
  }
  const report: RecoveryReport = { run_id: journal.run_id, subrun_id: journal.subrun_id, processes, rails, action: 'restored', adapter_source: touched.length > 0 ? source : null };
  await closeCrashedRun(root, dir, journal, {
    action: 'restored', at: now().toISOString(), by: options.operator ?? operatorName(), rails_restored_by_road_runner: touched.length > 0,
    adapter_source: report.adapter_source,
    rails: Object.fromEntries(rails.map((r) => [r.rail, { nominal: r.nominal, adapter: r.adapter ?? journal.rails[r.rail]!.adapter, manifest: r.manifest, manifest_sha256: r.manifest_sha256 }])),
  });
  return report;
}

/**
 * `recover --clear`: the operator says the hardware is at nominal. The crashed run's leftover
 * processes are still ended, but no actuator is called; the run is marked crashed with who
 * cleared it and when, and the journal goes. `expectRunId` is the run the operator confirmed:
 * a journal of another run (replaced while asking) is not cleared. Null when there is nothing to clear.
 */
export async function clearOrphan(root: string, graceMs: number, opts: { expectRunId: string | null; operator: string; now?: () => Date }): Promise<RecoveryReport | null> {
  const runs = runsDir(root);
  const journal = readJournal(runs);
  if (!journal || !isJournalOrphaned(journal)) return null;
  if (opts.expectRunId !== null && journal.run_id !== opts.expectRunId) {
    throw new RuntimeAbortError(`the crash journal now names run ${journal.run_id}, not ${opts.expectRunId} as when you confirmed; nothing was cleared`, 'run `road_runner recover --clear` again');
  }
  const processes = await endProcessesOfCrashedRun(journal, [...new Set([...journal.pgids, ...readRunningGroups(runs)])], graceMs);
  const dir = runDir(root, journal.run_id);
  const at = (opts.now ?? (() => new Date()))().toISOString();
  const recovery: RunRecovery = { action: 'cleared', at, by: opts.operator, rails_restored_by_road_runner: false, adapter_source: null, rails: { ...journal.rails } };
  if (existsSync(dir)) {
    const log = openRunEventLog(dir, journal.run_id);
    try {
      log.append({ event: 'journal_cleared', run_id: journal.run_id, subrun_id: journal.subrun_id, by: opts.operator, at, rails: journal.rails, rails_restored_by_road_runner: false });
    } finally {
      log.close();
    }
  }
  await closeCrashedRun(root, dir, journal, recovery);
  const rails: RailRecovery[] = Object.entries(journal.rails).map(([rail, e]) => ({
    rail, nominal: e.nominal, ok: false, read_back: null, error: null, adapter: e.adapter, manifest: null, manifest_sha256: null, executable: null, calls: [],
  }));
  return { run_id: journal.run_id, subrun_id: journal.subrun_id, processes, rails, action: 'cleared', adapter_source: null };
}

/** The user road_runner runs as, for the records (a uid when the system has no name for it). */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

// The crashed run is marked crashed with how its journal was settled, its reports written,
// and its journal and running-groups record removed.
async function closeCrashedRun(root: string, dir: string, journal: Journal, recovery: RunRecovery): Promise<void> {
  const runs = runsDir(root);
  if (existsSync(dir)) {
    // The space the crashed run held for its closing records goes first: the marking below may need it.
    rmSync(path.join(dir, SPACE_RESERVE_FILE), { force: true });
    await markCrashed(dir, journal.run_id, journal.subrun_id, recovery);
    // The crashed run never reached its own end: its reports are written now, showing the crash.
    try {
      const { renderReports } = await import('../report/render.js');
      await renderReports(root, journal.run_id);
    } catch {
      /* `road_runner report --run-id` can still render them and says what is wrong */
    }
  }
  rmSync(runningGroupsPath(runs), { force: true });
  removeJournal(runs);
}

/** One line per thing recovery did or left alone about the crashed run's processes. */
export function describeProcessRecovery(p: ProcessRecovery): string[] {
  const lines = p.ended.map((e) => `process ${e.pid} (${e.command}, group ${e.pgid}): ${e.ending}`);
  if (p.cgroup) lines.push(`cgroup ${p.cgroup.path}: ${p.cgroup.removed ? 'removed' : 'could not be removed (a process in it did not end)'}`);
  if (p.unverifiable) lines.push(`no process ended: ${p.unverifiable}`);
  for (const pgid of p.leftAlone) lines.push(`process group ${pgid}: left alone (recorded, but not proven to be this run's)`);
  return lines;
}

async function markCrashed(dir: string, runId: string, subrunId: string | null, recovery: RunRecovery): Promise<void> {
  const stopped = 'road_runner stopped without finishing this run (process killed or host down)';
  const reason = recovery.action === 'cleared'
    ? Object.keys(recovery.rails).length === 0
      ? `${stopped}; ${recovery.by} cleared its crash journal at ${recovery.at} (it listed no rail)`
      : `${stopped}; rails were NOT restored by road_runner: ${recovery.by} cleared the crash journal at ${recovery.at}, confirming the hardware was at nominal`
    : Object.keys(recovery.rails).length === 0
      ? `${stopped}; it had not changed any rail`
      : `${stopped}; rails were restored by recovery${recovery.adapter_source === 'workspace' ? ' with today\'s rail manifests (recover --with-current-adapters)' : ''}`;
  const summaryFile = path.join(dir, 'summary.json');
  const plan = existsSync(path.join(dir, 'plan.json')) ? (readJsonFile(path.join(dir, 'plan.json'), 'plan') as Plan) : null;
  const layout = runFolderLayout(dir, runId);
  if (subrunId) {
    const subFile = path.join(layout.subrunDir(subrunId), 'summary.json');
    const planned = plan?.subruns.find((s) => s.id === subrunId);
    const found = existsSync(subFile) ? (readJsonFile(subFile, 'sub-run summary') as SubrunSummary) : null;
    // A search probe is recorded as `planned` when it starts (it is not in the plan's list): its steps are replayed the same way.
    const sub = found !== null && found.status !== 'planned'
      ? found
      : found !== null ? await replayCrashedSubrun(layout.eventLogOf(subrunId), found)
        : planned ? await replayCrashedSubrun(layout.eventLogOf(subrunId), plannedSummary(runId, planned)) : null;
    if (sub) {
      mkdirSync(path.dirname(subFile), { recursive: true });
      writeJsonAtomic(subFile, { ...sub, status: 'crashed', reason });
    }
  }
  if (existsSync(summaryFile)) {
    const summary = readJsonFile(summaryFile, 'run summary') as RunSummary;
    const counts = emptyCounts();
    // A search's summary lists its probes only at the end: the ones that ran are the folders on disk.
    const listed = plan?.search && summary.subruns.length === 0
      ? layout.listSubrunIds().map((id) => ({ id, index: Number(id.slice(id.lastIndexOf('-s') + 2)), status: 'planned' as RunStatus, point: {}, margins: {} }))
      : summary.subruns;
    const subruns = listed.map((s) => {
      const f = path.join(layout.subrunDir(s.id), 'summary.json');
      const sub = existsSync(f) ? (readJsonFile(f, 'sub-run summary') as SubrunSummary) : null;
      const stepCount = plan?.subruns.find((p) => p.id === s.id)?.steps.length ?? 0;
      if (sub) for (const [k, v] of Object.entries(sub.counts)) counts[k as keyof StatusCounts] += v;
      else counts.skipped += stepCount;
      return sub ? { ...s, status: sub.status, point: sub.point ?? s.point, margins: sub.margins ?? s.margins } : s;
    });
    const endedAt = summary.ended_at ?? new Date().toISOString();
    writeJsonAtomic(summaryFile, { ...summary, status: 'crashed', subruns, counts, reason, ended_at: endedAt,
      duration_ms: Date.parse(endedAt) - Date.parse(summary.started_at), recovery } satisfies RunSummary);
  }
}

// The crashed sub-run never wrote its summary: its steps are read back from steps.ldjson.
// A step that ended keeps its status; one that started and never ended was `interrupted`.
async function replayCrashedSubrun(log: string, sub: SubrunSummary): Promise<SubrunSummary> {
  if (!existsSync(log)) return sub;
  const byIndex = new Map(sub.steps.map((st) => [st.index, { ...st }]));
  for await (const e of readEvents(log)) {
    if (e.subrun_id !== sub.id || typeof e.index !== 'number') continue;
    const step = byIndex.get(e.index);
    if (!step) continue;
    if (e.event === 'step_start') {
      Object.assign(step, { status: 'interrupted', started_at: e.ts as string, error: 'road_runner stopped while this step ran' });
    } else if (e.event === 'step_end') {
      const end = e as unknown as StepEndEvent;
      Object.assign(step, {
        status: end.status, exit_code: end.exit_code, signal: end.signal, duration_ms: end.duration_ms,
        started_at: end.started_at, ended_at: end.ended_at, metrics: end.metrics, error: end.error,
      });
    }
  }
  const steps = [...byIndex.values()];
  return { ...sub, steps, counts: countSteps(steps) };
}
