// The compare view: `diff` of two runs, chosen on the runs list.
import type { RouteModule } from '../app.js';
import { notFound } from '../app.js';
import { findRun } from '../runEntries.js';
import { buildCompareView } from '../views.js';

/** GET /compare?a=RUN&b=RUN. */
export const compareRoutes: RouteModule = (app, deps) => {
  app.get('/compare', async (c) => {
    const a = findRun(deps.root, c.req.query('a') ?? '');
    const b = findRun(deps.root, c.req.query('b') ?? '');
    if (a === null || b === null) return notFound(c, deps, 'run');
    return c.html(deps.pages.render('compare.njk', await buildCompareView(deps.root, a, b)));
  });
};
