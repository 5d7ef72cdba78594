// The runs list, a run's page (progress, shmoo, steps), its live updates (server-sent events)
// and a step's logs. Every run, sub-run and log is looked up through runEntries.ts first.

import { streamSSE } from 'hono/streaming';
import type { RouteModule, ServeDeps } from '../app.js';
import { notFound } from '../app.js';
import { findRun, findSubrun, type FoundRun } from '../runEntries.js';
import { readStepWindow, type RunTail } from '../runTail.js';
import { buildLogView, buildRunShmoo, buildRunView, buildRunsListView, describeProgress, describeStepRow, isRunLive, STEP_PAGE, summaryStamp } from '../views.js';
import { listSubrunEntries } from '../../report/runData.js';

/** Pages of runs. */
export const runRoutes: RouteModule = (app, deps) => {
  // The last shmoo drawn per run, reused while no step ended and the records did not change:
  // every page following a run asks for it after each step.
  const drawn = new Map<string, { key: string; html: string }>();
  app.get('/', (c) => c.html(deps.pages.render('runs.njk', buildRunsListView(deps.root))));

  app.get('/runs/:id', async (c) => {
    const run = findRun(deps.root, c.req.param('id'));
    if (run === null) return notFound(c, deps, 'run');
    const page = readPage(c.req.query('page'));
    const subrunParam = c.req.query('subrun');
    const subrun = subrunParam !== undefined && findSubrun(run, subrunParam) !== null ? subrunParam : undefined;
    if (subrunParam !== undefined && subrun === undefined) return notFound(c, deps, 'sub-run');
    // The first page needs no counts: it is drawn at once, and the counts follow (events).
    const tail = page === 0 ? deps.hub.peek(run) : await deps.hub.warm(run);
    const records = await deps.records.load(run);
    const subrunIds = listSubrunEntries(records).map((e) => e.id);
    const rows = await readStepWindow(tail, { start: page * STEP_PAGE, count: STEP_PAGE + 1, subrun, subrunIds });
    const view = buildRunView(deps.root, run, tail, records);
    const pages = subrun === undefined && tail.caughtUp ? Math.max(1, Math.ceil(tail.total / STEP_PAGE)) : null;
    const html = deps.pages.render('run.njk', {
      ...view,
      steps: {
        rows: rows.slice(0, STEP_PAGE).map((r) => describeStepRow(run.id, r)),
        page, pages, subrun: subrun ?? null, hasNext: rows.length > STEP_PAGE, first: page * STEP_PAGE,
      },
    });
    deps.hub.catchUp(run);
    return c.html(html);
  });

  app.get('/runs/:id/shmoo', async (c) => {
    const run = findRun(deps.root, c.req.param('id'));
    if (run === null) return notFound(c, deps, 'run');
    const tail = await deps.hub.warm(run);
    const records = await deps.records.load(run);
    const key = `${tail.version}|${await summaryStamp(run)}`;
    let hit = drawn.get(run.id);
    if (hit?.key !== key) {
      hit = { key, html: deps.pages.render('shmoo.njk', { shmoo: buildRunShmoo(records, tail), runId: run.id }) };
      drawn.delete(run.id);
      drawn.set(run.id, hit);
      if (drawn.size > 4) drawn.delete(drawn.keys().next().value as string);
    }
    return c.html(hit.html);
  });

  app.get('/runs/:id/events', async (c) => {
    const run = findRun(deps.root, c.req.param('id'));
    if (run === null) return notFound(c, deps, 'run');
    const tail = await deps.hub.warm(run);
    const records = await deps.records.load(run);
    const subrunTotal = listSubrunEntries(records).length;
    return streamSSE(c, (stream) => followRun(deps, run, tail, subrunTotal, stream));
  });

  app.get('/runs/:id/logs/:subrun/:log', async (c) => {
    const run = findRun(deps.root, c.req.param('id'));
    const subrunId = c.req.param('subrun');
    const found = run === null ? null : findSubrun(run, subrunId);
    if (run === null || found === null) return notFound(c, deps, 'log');
    const view = await buildLogView(run.id, subrunId, found.dir, c.req.param('log'));
    if (!view.streams.some((s) => s.found)) return notFound(c, deps, 'log');
    return c.html(deps.pages.render('log.njk', view));
  });
};

function readPage(text: string | undefined): number {
  const n = Number(text ?? 0);
  return Number.isInteger(n) && n >= 0 && n < 1e7 ? n : 0;
}

type Stream = Parameters<Parameters<typeof streamSSE>[1]>[0];

// Sends `progress` now and whenever steps end, then `end` once the run no longer holds the lock.
async function followRun(deps: ServeDeps, run: FoundRun, tail: RunTail, subrunTotal: number, stream: Stream): Promise<void> {
  let wake: (() => void) | null = null;
  let pending = true;
  let closed = false;
  const stop = deps.hub.subscribe(run, () => {
    pending = true;
    wake?.();
  });
  const finish = () => {
    closed = true;
    wake?.();
  };
  stream.onAbort(finish);
  deps.closing.addEventListener('abort', finish, { once: true });
  const send = (event: string, live: boolean) => stream.writeSSE({
    event,
    data: JSON.stringify({ ...describeProgress(tail, subrunTotal, live), recent: tail.recent.slice(-10).map((r) => describeStepRow(run.id, r)) }),
  });
  try {
    let lastCheck = 0;
    while (!closed) {
      const now = Date.now();
      let live = true;
      if (now - lastCheck >= 1000 || pending) {
        live = isRunLive(deps.root, run.id);
        lastCheck = now;
      }
      if (!live) {
        await tail.poll();
        await send('end', false);
        break;
      }
      if (pending) {
        pending = false;
        await send('progress', true);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    stop();
    deps.closing.removeEventListener('abort', finish);
  }
}
