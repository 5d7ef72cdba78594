import { randomBytes } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { createTerminalSafeStream } from '../terminalText.js';
import { checkOutTarget } from '../../records/outTarget.js';
import { requireRunId } from '../runRef.js';

/** `road_runner export RUN_ID|latest --format csv|json|junit|boundary [--out FILE|-]`: every step as one table, or the boundary per column. */
export default async function exportCommand(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const { exportRun, EXPORT_EXTENSIONS, EXPORT_FORMATS } = await import('../../report/export.js');
  const { resolveRunFolder } = await import('../../report/runFolder.js');
  const runId = requireRunId(ctx.root, args, 'export');
  const format = args.format;
  if (typeof format !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`export needs --format ${EXPORT_FORMATS.join('|')}, got ${JSON.stringify(format)}`);
  }
  const fmt = format as keyof typeof EXPORT_EXTENSIONS;
  const outArg = typeof args.out === 'string' ? args.out : undefined;
  if (outArg === '-') return exportToStdout(ctx, () => exportRun(ctx.root, runId, fmt, stdoutSink()));
  const target = outArg === undefined ? path.join(resolveRunFolder(ctx.root, runId), `export.${EXPORT_EXTENSIONS[fmt]}`) : path.resolve(ctx.cwd, outArg);
  checkOutTarget(target, 'export');
  // Written beside the target and renamed at the end: a failed export leaves no half file,
  // and the rename replaces the directory entry itself, never what a symlink put there since points at.
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  let writeError: Error | null = null;
  out.on('error', (err) => (writeError ??= err));
  try {
    const result = await exportRun(ctx.root, runId, fmt, out);
    out.end();
    await finished(out);
    if (writeError) throw writeError;
    renameSync(temp, target);
    for (const w of result.warnings) ctx.err(`warning: ${w}`);
    ctx.out(`wrote ${result.rows} row${result.rows === 1 ? '' : 's'} (${result.columns.length} columns) to ${target}`);
    return 0;
  } catch (err) {
    out.destroy();
    rmSync(temp, { force: true });
    throw err;
  }
}

// stdout, with control characters neutralised when it is a terminal (CSV cells may hold anything a diagnostic printed).
function stdoutSink(): Writable {
  return process.stdout.isTTY ? createTerminalSafeStream(process.stdout) : process.stdout;
}

// `--out -`: a reader that stops early (`| head -1`) closes the pipe; that ends the export quietly, exit 0.
async function exportToStdout(ctx: CommandContext, run: () => Promise<{ warnings: string[] }>): Promise<number> {
  try {
    const result = await run();
    for (const w of result.warnings) ctx.err(`warning: ${w}`);
    return 0;
  } catch (err) {
    if (isClosedPipe(err)) return 0;
    throw err;
  }
}

function isClosedPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || ((code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE') && process.stdout.destroyed);
}
