import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RuntimeAbortError, SafetyViolationError } from '../errors.js';
import type { RailAdapter } from '../config/schemas/index.js';
import type { Validators } from '../config/validate.js';
import { isRailAdapter, type ExecutableRef } from '../config/workspaceTypes.js';
import type { HostFacts } from '../host/facts.js';
import type { Plan } from '../plan/types.js';
import { checkRailValue } from '../safety/bounds.js';
import { boundsInForceNow } from '../safety/boundsNow.js';
import { openRunEventLog } from '../records/runEventLog.js';
import { runFolderLayout } from '../records/runFolderLayout.js';
import { isJournalOrphaned, readJournal, removeJournal } from '../records/journal.js';
import { readJsonFile, writeJsonAtomic } from '../records/jsonFile.js';
import { runDir, runsDir } from '../records/layout.js';
import { readRunningGroups, runningGroupsPath } from '../records/runningGroups.js';
import { SPACE_RESERVE_FILE } from '../records/spaceReserve.js';
import { emptyCounts, type RunSummary, type StatusCounts, type StepEndEvent, type SubrunSummary } from '../records/recordTypes.js';
import { readEvents } from '../records/eventReader.js';
import { countSteps } from './subrun.js';
import { resolveExecutable } from '../workspace/executable.js';
import { listYamlFiles } from '../workspace/load.js';
import { readSource } from '../workspace/readSource.js';
import { buildActuators } from './actuators.js';
import { plannedSummary } from './executePlan.js';
import { restoreRail } from './rails.js';
import { endProcessesOfCrashedRun, type ProcessRecovery } from './recoverProcesses.js';

/** What recovery found and did. */
export interface RecoveryReport {
  run_id: string;
  subrun_id: string | null;
  /** The crashed run's processes that were still running, and recorded groups left alone. */
  processes: ProcessRecovery;
  rails: { rail: string; ok: boolean; read_back: number | null; error: string | null }[];
}

/**
 * Finds a crash journal whose road_runner is gone, ends its orphaned diagnostics, returns
 * every rail it touched to nominal (checked against the bounds in force now for `host` ∩ that
 * run's recorded bounds), and marks that run
 * and its active sub-run `crashed`. Returns null when there is nothing to recover.
 */
export async function recoverOrphan(root: string, validators: Validators, envPath: string, graceMs: number, host: HostFacts): Promise<RecoveryReport | null> {
  const runs = runsDir(root);
  const journal = readJournal(runs);
  if (!journal || !isJournalOrphaned(journal)) return null;
  const dir = runDir(root, journal.run_id);
  // Only processes proven the run's (its cgroup, or boot id + start time + RR_RUN_ID) are ended.
  const processes = await endProcessesOfCrashedRun(journal, [...new Set([...journal.pgids, ...readRunningGroups(runs)])], graceMs);

  const rails: RecoveryReport['rails'] = [];
  const touched = Object.keys(journal.rails);
  if (touched.length > 0) {
    const planFile = path.join(dir, 'plan.json');
    if (!existsSync(planFile)) {
      throw new RuntimeAbortError(`crashed run ${journal.run_id} touched rails ${touched.join(', ')} but its plan.json is missing, so their bounds are unknown`,
        `restore ${touched.map((r) => `${r} to ${journal.rails[r]!.nominal}`).join(', ')} by hand, then delete ${path.join(runs, '.journal.json')}`);
    }
    const plan = readJsonFile(planFile, 'plan of the crashed run') as Plan;
    // Nominal is checked against the bounds in force now ∩ the recorded ones. A nominal that
    // today's policy forbids is not applied: the rails stay as they are, the journal is kept,
    // and the operator fixes the policy or restores by hand (docs/decisions.md).
    const bounds = boundsInForceNow(validators, root, host, plan.bounds, journal.run_id);
    const forbidden = touched.flatMap((rail) => {
      const why = checkRailValue(bounds, rail, journal.rails[rail]!.nominal);
      return why ? [`nominal of ${rail}: ${why}`] : [];
    });
    if (forbidden.length > 0) {
      throw new SafetyViolationError(forbidden,
        `no rail of crashed run ${journal.run_id} was touched; fix the policy so nominal is allowed, or restore ${touched.map((r) => `${r} to ${journal.rails[r]!.nominal}`).join(', ')} by hand and delete ${path.join(runs, '.journal.json')}`);
    }
    const { adapters, executables } = loadRecordedRailAdapters(root, dir, validators, envPath);
    const actuators = buildActuators(root, touched, adapters, executables);
    const log = openRunEventLog(dir, journal.run_id);
    try {
      for (const rail of touched) {
        const act = actuators[rail];
        if (!act) {
          rails.push({ rail, ok: false, read_back: null, error: `no actuator for ${rail} (adapter ${journal.rails[rail]!.adapter}) could be loaded` });
          continue;
        }
        const r = await restoreRail({ ...act, nominal: journal.rails[rail]!.nominal }, bounds, { RR_RUN_ID: journal.run_id });
        log.append({ event: 'margin_restore', run_id: journal.run_id, subrun_id: journal.subrun_id, rail, adapter: act.adapter, reason: 'crash recovery', ...r });
        rails.push({ rail, ok: r.ok, read_back: r.read_back, error: r.error });
      }
    } finally {
      log.close();
    }
    const failed = rails.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new RuntimeAbortError(`recovery of crashed run ${journal.run_id} could not restore ${failed.map((r) => `${r.rail} (${r.error})`).join('; ')}`,
        'restore those rails by hand; the journal is kept so `road_runner recover` can try again');
    }
  }
  // The space the crashed run held for its closing records goes first: the marking below may need it.
  rmSync(path.join(dir, SPACE_RESERVE_FILE), { force: true });
  await markCrashed(dir, journal.run_id, journal.subrun_id);
  // The crashed run never reached its own end: its reports are written now, showing the crash.
  try {
    const { renderReports } = await import('../report/render.js');
    await renderReports(root, journal.run_id);
  } catch {
    /* `road_runner report --run-id` can still render them and says what is wrong */
  }
  rmSync(runningGroupsPath(runs), { force: true });
  removeJournal(runs);
  return { run_id: journal.run_id, subrun_id: journal.subrun_id, processes, rails };
}

/** One line per thing recovery did or left alone about the crashed run's processes. */
export function describeProcessRecovery(p: ProcessRecovery): string[] {
  const lines = p.ended.map((e) => `process ${e.pid} (${e.command}, group ${e.pgid}): ${e.ending}`);
  if (p.cgroup) lines.push(`cgroup ${p.cgroup.path}: ${p.cgroup.removed ? 'removed' : 'could not be removed (a process in it did not end)'}`);
  if (p.unverifiable) lines.push(`no process ended: ${p.unverifiable}`);
  for (const pgid of p.leftAlone) lines.push(`process group ${pgid}: left alone (recorded, but not proven to be this run's)`);
  return lines;
}

// Rail adapters as they were when the run started: the byte copies in its inputs/ folder.
function loadRecordedRailAdapters(root: string, dir: string, validators: Validators, envPath: string) {
  const inputsRoot = path.join(dir, 'inputs');
  const adapters: RailAdapter[] = [];
  const executables: Record<string, ExecutableRef> = {};
  for (const file of listYamlFiles(inputsRoot, 'adapters')) {
    const { loaded } = readSource<RailAdapter>(validators, (d) => ((d as { kind?: string }).kind === 'rail' ? 'rail-adapter' : 'diag-adapter'), file, file, inputsRoot);
    if (!loaded || !isRailAdapter(loaded.data)) continue;
    const { ref } = resolveExecutable(root, loaded, envPath);
    if (ref) executables[loaded.data.name] = ref;
    adapters.push(loaded.data);
  }
  return { adapters, executables };
}

async function markCrashed(dir: string, runId: string, subrunId: string | null): Promise<void> {
  const reason = 'road_runner stopped without finishing this run (process killed or host down); rails were restored by recovery';
  const summaryFile = path.join(dir, 'summary.json');
  const plan = existsSync(path.join(dir, 'plan.json')) ? (readJsonFile(path.join(dir, 'plan.json'), 'plan') as Plan) : null;
  const layout = runFolderLayout(dir, runId);
  if (subrunId) {
    const subFile = path.join(layout.subrunDir(subrunId), 'summary.json');
    const planned = plan?.subruns.find((s) => s.id === subrunId);
    const sub = existsSync(subFile)
      ? (readJsonFile(subFile, 'sub-run summary') as SubrunSummary)
      : planned ? await replayCrashedSubrun(layout.eventLogOf(subrunId), plannedSummary(runId, planned)) : null;
    if (sub) {
      mkdirSync(path.dirname(subFile), { recursive: true });
      writeJsonAtomic(subFile, { ...sub, status: 'crashed', reason });
    }
  }
  if (existsSync(summaryFile)) {
    const summary = readJsonFile(summaryFile, 'run summary') as RunSummary;
    const counts = emptyCounts();
    const subruns = summary.subruns.map((s) => {
      const f = path.join(layout.subrunDir(s.id), 'summary.json');
      const sub = existsSync(f) ? (readJsonFile(f, 'sub-run summary') as SubrunSummary) : null;
      const stepCount = plan?.subruns.find((p) => p.id === s.id)?.steps.length ?? 0;
      if (sub) for (const [k, v] of Object.entries(sub.counts)) counts[k as keyof StatusCounts] += v;
      else counts.skipped += stepCount;
      return sub ? { ...s, status: sub.status } : s;
    });
    const endedAt = summary.ended_at ?? new Date().toISOString();
    writeJsonAtomic(summaryFile, { ...summary, status: 'crashed', subruns, counts, reason, ended_at: endedAt,
      duration_ms: Date.parse(endedAt) - Date.parse(summary.started_at) });
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
