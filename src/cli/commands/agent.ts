import { hostname } from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { ExitCode, RrError, RunFault, UsageError, signalExitCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { unguarded } from '../signals.js';

interface AgentArgs {
  unit?: string[] | string;
  hostId?: string;
  workspace?: string;
  heartbeatMs?: number;
  lostAfterMs?: number;
  pollMs?: number;
}

// A timing from the option, else the environment variable, else the default.
function timing(option: number | undefined, env: string | undefined, name: string, fallback: number): number {
  if (option !== undefined) return option;
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 10 || n > 86_400_000) throw new UsageError(`${name} must be a whole number of milliseconds (10 to 86400000), got ${JSON.stringify(env)}`);
  return n;
}

/** `road_runner agent --unit SN…`: serve this host's units from the fleet queue (docs/fleet.md). */
export default async function agent(given: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as AgentArgs;
  const { checkSerial } = await import('../../fleet/db.js');
  const units = [...new Set((Array.isArray(a.unit) ? a.unit : a.unit ? [a.unit] : []).flatMap((u) => u.split(',')).map((u) => u.trim()).filter(Boolean))];
  if (units.length === 0) throw new UsageError('agent needs at least one --unit SN', 'e.g. road_runner agent --unit SN123 --unit SN124');
  units.forEach((u) => checkSerial(u, '--unit'));
  const ctx: CommandContext = a.workspace !== undefined ? { ...given, root: path.resolve(given.cwd, a.workspace) } : given;
  const hostId = a.hostId ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(hostId)) throw new UsageError(`--host-id "${hostId}" is not a host id`, 'letters, digits, ".", "_" or "-", up to 63');
  const heartbeatMs = timing(a.heartbeatMs, ctx.env.RR_AGENT_HEARTBEAT_MS, 'RR_AGENT_HEARTBEAT_MS', 5000);
  const lostAfterMs = timing(a.lostAfterMs, ctx.env.RR_AGENT_LOST_AFTER_MS, 'RR_AGENT_LOST_AFTER_MS', 30_000);
  const pollMs = timing(a.pollMs, ctx.env.RR_AGENT_POLL_MS, 'RR_AGENT_POLL_MS', 1000);
  if (lostAfterMs < 2 * heartbeatMs) throw new UsageError(`the lost limit (${lostAfterMs} ms) must be at least two heartbeats (${2 * heartbeatMs} ms)`, 'raise --lost-after-ms or lower --heartbeat-ms');

  // The agent holds the guard for its whole life: a signal aborts the current run (rails back
  // to nominal, summaries `interrupted`), which is reported, and then the agent stops.
  const guard = (ctx.guard ?? unguarded)();
  const runCtx: CommandContext = { ...ctx, isTTY: false, guard: () => ({ signal: guard.signal, release: () => undefined }) };
  try {
    const { withFleetDb } = await import('../fleetDb.js');
    const { runAgent } = await import('../../fleet/agent.js');
    const { runFleetJob, recoverOnStart } = await import('../fleetJob.js');
    const { toolVersions } = await import('../../execute/toolVersions.js');
    const version = toolVersions().road_runner ?? 'unknown';
    await withFleetDb(ctx, args, async (db) => {
      const { startBoss } = await import('../../fleet/db.js');
      const boss = await startBoss(db.target, (m) => ctx.err(`warning: fleet queue: ${m}`), false);
      try {
        await runAgent({
          pool: db.pool, boss, units, root: ctx.root, pollMs, uploadMs: Math.max(100, Math.min(1000, heartbeatMs)), signal: guard.signal,
          host: { hostId, hostname: hostname(), pid: process.pid, workspace: ctx.root, heartbeatMs, lostAfterMs, version },
          say: ctx.out,
          recoverCrashed: () => recoverOnStart(runCtx),
          runJob: (payload, onRunStarted) => runFleetJob(runCtx, payload, onRunStarted, () => randomInt(0, 2 ** 32)),
        });
      } finally {
        await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
      }
    });
  } catch (err) {
    if (err instanceof RrError) throw err;
    const { UnitTakenError } = await import('../../fleet/store.js');
    if (err instanceof UnitTakenError) throw new UsageError(err.message, 'stop that host\'s agent first, or check the serial');
    throw err;
  } finally {
    guard.release();
  }
  const why: unknown = guard.signal.reason;
  if (!guard.signal.aborted) return ExitCode.ok;
  if (why instanceof RunFault) return ExitCode.runtime;
  ctx.err(`agent ${hostId}: stopped (${String(why)})`);
  return signalExitCode(String(why));
}
