// The fleet page (`serve --db`, SPEC §13): hosts, units and jobs — refreshed by the page's
// script from /fleet/live — and the boundary distribution per frequency column, fetched again
// from /fleet/distribution when a job ends. Without a database /fleet says how to get one.
import type { RouteModule } from '../app.js';
import { FLEET_REFRESH_MS } from '../fleetLimits.js';

/** GET /fleet, /fleet/live, /fleet/distribution. */
export const fleetRoutes: RouteModule = (app, deps) => {
  app.get('/fleet', async (c) => {
    const fleet = deps.fleet;
    if (!fleet) {
      return c.html(deps.pages.render('error.njk', {
        status: 404, title: 'No fleet database',
        message: 'This dashboard was started without a fleet database: start it with road_runner serve --db URL (or --db-file FILE, or RR_DATABASE_URL set).',
      }), 404);
    }
    const [live, dist] = await Promise.all([fleet.live(), fleet.distribution()]);
    return c.html(deps.pages.render('fleet.njk', { live, dist, refreshMs: FLEET_REFRESH_MS }), live.ok && dist.ok ? 200 : 503);
  });
  app.get('/fleet/live', async (c) => {
    if (!deps.fleet) return c.text('no fleet database\n', 404);
    const live = await deps.fleet.live();
    return c.html(deps.pages.render('fleet-live.njk', { live }), live.ok ? 200 : 503);
  });
  app.get('/fleet/distribution', async (c) => {
    if (!deps.fleet) return c.text('no fleet database\n', 404);
    const dist = await deps.fleet.distribution();
    return c.html(deps.pages.render('fleet-dist.njk', { dist }), dist.ok ? 200 : 503);
  });
};
