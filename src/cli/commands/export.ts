import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { requireRunId } from '../runRef.js';

/** `road_runner export RUN_ID|latest --format csv|json|junit [--out FILE|-]`: every step as one table. */
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
  if (outArg === '-') {
    const result = await exportRun(ctx.root, runId, fmt, process.stdout);
    for (const w of result.warnings) ctx.err(`warning: ${w}`);
    return 0;
  }
  const target = outArg === undefined ? path.join(resolveRunFolder(ctx.root, runId), `export.${EXPORT_EXTENSIONS[fmt]}`) : path.resolve(ctx.cwd, outArg);
  const folder = path.dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`cannot write ${target}: ${folder} is not a folder`, 'create it first, or pass --out - for stdout');
  // Written beside the target and renamed at the end: a failed export leaves no half file.
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const out = createWriteStream(temp);
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
