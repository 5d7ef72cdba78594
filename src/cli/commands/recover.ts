import { loadValidators } from '../../config/validate.js';
import { clearOrphan, describeProcessRecovery, operatorName, recoverOrphan, type RecoveryReport } from '../../execute/recover.js';
import { isJournalOrphaned, readJournal } from '../../records/journal.js';
import { runsDir } from '../../records/layout.js';
import { acquireRunLock } from '../../records/lock.js';
import { loadHost } from '../../workspace/host.js';
import { ExitCode, RunFault, RuntimeAbortError, signalExitCode } from '../../errors.js';
import { confirmAction } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { unguarded } from '../signals.js';

interface RecoverArgs {
  withCurrentAdapters?: boolean;
  clear?: boolean;
  yes?: boolean;
}

/** What the recovery is asked to do. */
type Mode = { kind: 'restore'; source: 'recorded' | 'workspace' } | { kind: 'clear'; runId: string };

/** `road_runner recover`: restore the rails of a run whose road_runner died (or, with --clear, take the operator's word), and mark it crashed. */
export default async function recover(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as RecoverArgs;
  let mode: Mode = { kind: 'restore', source: a.withCurrentAdapters ? 'workspace' : 'recorded' };
  if (a.clear) {
    // The question comes before the lock and the guard: Ctrl-C there changes nothing.
    const asked = await askToClear(ctx, a.yes ?? false);
    if (typeof asked === 'number') return asked;
    mode = { kind: 'clear', runId: asked };
  }
  // A signal during recovery does not cut it short: the rails are put back, then it exits 128 + N.
  const guard = (ctx.guard ?? unguarded)();
  try {
    const code = await recoverUnderLock(ctx, mode);
    const why: unknown = guard.signal.reason;
    if (!guard.signal.aborted) return code;
    if (why instanceof RunFault) return ExitCode.runtime;
    ctx.err(`road_runner: ${String(why)} received during recovery; it finished first`);
    return signalExitCode(String(why));
  } finally {
    guard.release();
  }
}

// Shows what the journal lists and asks the operator to confirm the hardware is at nominal.
// Returns the run id confirmed, or the exit code when there is nothing to clear or no go.
async function askToClear(ctx: CommandContext, yes: boolean): Promise<string | number> {
  const journal = readJournal(runsDir(ctx.root));
  if (!journal) {
    ctx.out('nothing to recover: no crashed run left a journal');
    return ExitCode.ok;
  }
  if (!isJournalOrphaned(journal)) {
    throw new RuntimeAbortError(`run ${journal.run_id} is still running (road_runner pid ${journal.pid}): its journal is not a crash's, nothing was cleared`,
      'wait for the run to end, or stop it (Ctrl-C, kill -TERM): it restores its rails itself');
  }
  const rails = Object.entries(journal.rails);
  const answer = await confirmAction([
    `crashed run ${journal.run_id}${journal.subrun_id ? ` (active sub-run ${journal.subrun_id})` : ''} left a crash journal listing ${rails.length === 0 ? 'no rail' : 'these rails:'}`,
    ...rails.map(([rail, e]) => `  ${rail}: nominal ${e.nominal} (adapter ${e.adapter})`),
    '--clear calls no actuator: road_runner will NOT restore these rails. Confirm only if the hardware is at nominal',
    '(you restored it yourself, or power-cycled the host). The run records who cleared it and when.',
  ], {
    yes, isTTY: ctx.isTTY, out: ctx.out,
    question: 'Is the hardware at nominal, and may road_runner clear the crash journal?',
    refusal: 'refusing to clear the crash journal without confirmation: there is no terminal to ask on',
  });
  if (answer === 'go') return journal.run_id;
  ctx.out(`not cleared${answer === 'interrupted' ? ' (interrupted at the question)' : ''}: nothing was changed`);
  return answer === 'interrupted' ? ExitCode.sigint : ExitCode.failed;
}

async function recoverUnderLock(ctx: CommandContext, mode: Mode): Promise<number> {
  const lock = await acquireRunLock(runsDir(ctx.root), { run_id: 'recover' });
  try {
    let report: RecoveryReport | null;
    if (mode.kind === 'clear') {
      report = await clearOrphan(ctx.root, 5000, { expectRunId: mode.runId, operator: operatorName() });
    } else {
      const validators = await loadValidators();
      const host = await loadHost(validators, ctx.cwd, ctx.hostFile, ctx.root);
      report = await recoverOrphan(ctx.root, validators, ctx.env.PATH ?? '', 5000, host.facts, { adapterSource: mode.source });
    }
    if (!report) {
      ctx.out('nothing to recover: no crashed run left a journal');
      return 0;
    }
    const verb = report.action === 'cleared' ? 'cleared the crash journal of run' : 'recovered run';
    ctx.out(`${verb} ${report.run_id}${report.subrun_id ? ` (active sub-run ${report.subrun_id})` : ''}:`);
    for (const line of describeProcessRecovery(report.processes)) ctx.out(`  ${line}`);
    for (const r of report.rails) {
      ctx.out(report.action === 'cleared'
        ? `  ${r.rail}: NOT restored by road_runner (confirmed at nominal ${r.nominal} by the operator)`
        : `  ${r.rail}: restored to nominal with ${r.manifest ?? r.adapter}${report.adapter_source === 'workspace' ? ' (today\'s manifest)' : ''}, read back ${r.read_back}`);
    }
    ctx.out('  the run and its active sub-run are marked crashed');
    return 0;
  } finally {
    await lock.release();
  }
}
