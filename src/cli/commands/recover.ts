import { loadValidators } from '../../config/validate.js';
import { describeProcessRecovery, recoverOrphan } from '../../execute/recover.js';
import { runsDir } from '../../records/layout.js';
import { acquireRunLock } from '../../records/lock.js';
import { loadHost } from '../../workspace/host.js';
import { ExitCode, RunFault, signalExitCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { unguarded } from '../signals.js';

/** `road_runner recover`: restore the rails of a run whose road_runner died, and mark it crashed. */
export default async function recover(ctx: CommandContext): Promise<number> {
  // A signal during recovery does not cut it short: the rails are put back, then it exits 128 + N.
  const guard = (ctx.guard ?? unguarded)();
  try {
    const code = await recoverUnderLock(ctx);
    const why: unknown = guard.signal.reason;
    if (!guard.signal.aborted) return code;
    if (why instanceof RunFault) return ExitCode.runtime;
    ctx.err(`road_runner: ${String(why)} received during recovery; it finished first`);
    return signalExitCode(String(why));
  } finally {
    guard.release();
  }
}

async function recoverUnderLock(ctx: CommandContext): Promise<number> {
  const lock = await acquireRunLock(runsDir(ctx.root), { run_id: 'recover' });
  try {
    const validators = await loadValidators();
    const host = await loadHost(validators, ctx.cwd, ctx.hostFile, ctx.root);
    const report = await recoverOrphan(ctx.root, validators, ctx.env.PATH ?? '', 5000, host.facts);
    if (!report) {
      ctx.out('nothing to recover: no crashed run left a journal');
      return 0;
    }
    ctx.out(`recovered run ${report.run_id}${report.subrun_id ? ` (active sub-run ${report.subrun_id})` : ''}:`);
    for (const line of describeProcessRecovery(report.processes)) ctx.out(`  ${line}`);
    for (const r of report.rails) ctx.out(`  ${r.rail}: restored to nominal, read back ${r.read_back}`);
    ctx.out('  the run and its active sub-run are marked crashed');
    return 0;
  } finally {
    await lock.release();
  }
}
