// `road_runner serve`: the dashboard over runs/ (docs/serve.md), and the fleet page with a
// database. Thin: checks the options, starts the server from src/serve/ (imported here only),
// waits for SIGINT/SIGTERM, closes.
import { setFlagsFromString } from 'node:v8';
import type { CommandContext } from '../context.js';
import { unguarded } from '../signals.js';
import { resolveServeOptions } from '../../serve/options.js';
import { ExitCode, RrError } from '../../errors.js';

/**
 * A long-running server that reads a large run in one catch-up makes many objects that survive
 * a scavenge or two (paths, cursors, parsed records); V8 then grows the young generation to its
 * maximum (2 × 16 MiB) and keeps it resident. serve keeps it at its starting size instead: more
 * frequent, shorter scavenges for a bounded footprint (docs/decisions.md, "serve's young
 * generation"). A growth factor is read each time V8 would grow that space, so it applies when
 * set at run time, unlike the maximum size.
 */
export const SERVE_V8_FLAGS = '--semi-space-growth-factor=1';

export default async function serveCommand(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  setFlagsFromString(SERVE_V8_FLAGS);
  const options = resolveServeOptions(args, ctx.env);
  // A fleet database, by the fleet commands' rules (--db-file, --db, RR_DATABASE_URL): the fleet page.
  const wantsDb = args.db !== undefined || args.dbFile !== undefined || (ctx.env.RR_DATABASE_URL ?? '') !== '';
  const database = wantsDb
    ? (await import('../../fleet/connection.js')).resolveDatabase({ db: args.db as string | undefined, dbFile: args.dbFile as string | undefined, env: ctx.env })
    : null;
  const { startServer } = await import('../../serve/server.js');
  let server;
  try {
    server = await startServer(ctx.root, options, ctx.err, database);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new RrError(`cannot listen on ${options.bind}:${options.port}: ${code}`, ExitCode.usage,
        code === 'EADDRINUSE' ? 'another program uses that port: pick another with --port (0: any free port)' : 'pick an address of this host and a port above 1023');
    }
    throw err;
  }
  const guard = (ctx.guard ?? unguarded)('closing the dashboard…');
  ctx.out(`road_runner serve: ${server.url} (workspace ${ctx.root}${options.token !== null ? '; open it once with ?token=<your token>' : ''}); Ctrl-C to stop`);
  if (database !== null) ctx.out(`road_runner serve: fleet page ${server.url}fleet (database ${database.shown}, from ${database.source})`);
  try {
    await new Promise<void>((resolve) => guard.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
  } finally {
    guard.release();
  }
  ctx.out('road_runner serve: closed');
  return ExitCode.ok;
}
