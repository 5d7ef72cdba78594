import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { requireRunId } from '../runRef.js';

/** `road_runner bundle RUN_ID|latest [--out FILE|-] [--with-logs]`: the run as one BagIt .tar.gz (docs/bundles.md). */
export default async function bundle(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const runId = requireRunId(ctx.root, args, 'bundle');
  const { resolveRunFolder } = await import('../../runs/runFolders.js');
  const { bundleRun } = await import('../../bundle/bundleRun.js');
  const runDir = resolveRunFolder(ctx.root, runId).path;
  const withLogs = Boolean(args.withLogs);
  const outArg = typeof args.out === 'string' ? args.out : undefined;
  const req = { runDir, runId, withLogs, now: new Date() };
  if (outArg === '-') {
    if (process.stdout.isTTY) throw new UsageError('--out - would write a compressed archive to the terminal', 'redirect stdout to a file or a pipe, or name a file with --out');
    const written = await bundleRun(req, { stream: process.stdout });
    warn(ctx, runId, written);
    ctx.err(`bundled run ${runId}: ${written.payload_files} files, ${written.payload_bytes} bytes, payload sha256 ${written.payload_sha256}`);
    return 0;
  }
  const { checkOutTarget } = await import('../../records/outTarget.js');
  const target = path.resolve(ctx.cwd, outArg ?? `${runId}.bundle.tar.gz`);
  checkOutTarget(target, 'a bundle');
  const written = await bundleRun(req, { file: target });
  warn(ctx, runId, written);
  ctx.out(`bundled run ${runId}: ${written.payload_files} files, ${written.payload_bytes} bytes of payload${withLogs ? `, ${written.logs} log file(s)` : ', logs not included (--with-logs adds them)'}`);
  ctx.out(`  payload sha256 ${written.payload_sha256}`);
  ctx.out(`  wrote ${path.relative(ctx.cwd, target) || target}`);
  return 0;
}

// What the bundle lacks or may not hold as final.
function warn(ctx: CommandContext, runId: string, w: { skipped: string[]; executables: boolean; status: string }): void {
  for (const s of w.skipped) ctx.err(`warning: not bundled: ${s}`);
  if (!w.executables) ctx.err(`warning: run ${runId} recorded no executable hashes in sysinfo.json; a replay cannot compare executables`);
  if (w.status === 'planned') ctx.err(`warning: run ${runId} has not finished (its summary says planned); the bundle holds its records as they were now`);
}
