// Starts and stops the dashboard's HTTP server (@hono/node-server over node:http). Imported
// only by `road_runner serve`, so no other command loads an HTTP stack.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createServeApp, type RouteModule } from './app.js';
import { openPageRenderer } from './pages.js';
import { assetRoutes } from './routes/assets.js';
import { compareRoutes } from './routes/compare.js';
import { fleetRoutes } from './routes/fleet.js';
import { runRoutes } from './routes/runs.js';
import { TailHub } from './tailHub.js';
import { RecordCache } from './recordCache.js';
import type { ServeOptions } from './options.js';
import type { DatabaseTarget } from '../fleet/connection.js';
import type { FleetSource } from './fleetView.js';
import { readRunActivity } from '../runs/activity.js';
import { runsDir } from '../records/layout.js';
import { findRun } from './runEntries.js';

/** The pages of `road_runner serve`; the fleet page answers with data only when serve has a database. */
export const ROUTE_MODULES: readonly RouteModule[] = [assetRoutes, runRoutes, compareRoutes, fleetRoutes];

/** How often the logs of a watched run are looked at (ms): well under the 500 ms a step end may take to show. */
export const POLL_INTERVAL_MS = 150;

/** A listening dashboard. */
export interface RunningServer {
  url: string;
  close: () => Promise<void>;
}

/** Listens on options.bind:options.port and serves the workspace at `root` (and the fleet page when given a database). */
export async function startServer(root: string, options: ServeOptions, log: (line: string) => void, database: DatabaseTarget | null = null): Promise<RunningServer> {
  const pages = await openPageRenderer(root, { fleet: database !== null });
  // pg and the fleet's modules are loaded only here, only with a database.
  const fleet: FleetSource | null = database === null ? null : await (await import('./fleetView.js')).openFleetSource(database, log);
  const hub = new TailHub({ intervalMs: POLL_INTERVAL_MS, keepIdle: 4 });
  const closing = new AbortController();
  const records = new RecordCache(root);
  const app = createServeApp({ root, token: options.token, pages, hub, records, closing: closing.signal, log, fleet }, ROUTE_MODULES);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.bind }, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await fleet?.close();
    throw err;
  });
  prewarmLiveRun(root, hub, records);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise<void>((resolve) => {
      closing.abort();
      hub.close();
      server.close(() => {
        if (fleet === null) resolve();
        else void fleet.close().then(() => resolve());
      });
      // Live pages hold their event streams open: end them rather than wait.
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}

// The run going on is the one people open: its records and counts are read in the background
// as soon as the server listens, so its first visit does not wait for them.
function prewarmLiveRun(root: string, hub: TailHub, records: RecordCache): void {
  const activity = readRunActivity(runsDir(root));
  if (activity.locked_run_id === null || activity.lock_owner_gone) return;
  const run = findRun(root, activity.locked_run_id);
  if (run === null) return;
  setTimeout(() => {
    records.load(run).catch(() => undefined);
    hub.warm(run).catch(() => undefined);
  }, 0);
}
