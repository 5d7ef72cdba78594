// Timings of the fleet page, apart from fleetView.ts so that the routes need not load it.

/** How long one answer of the database serves every page that asks (ms): many browsers, one query. */
export const FLEET_CACHE_MS = 1000;
/** How often the fleet page fetches its hosts-and-jobs part again (ms). */
export const FLEET_REFRESH_MS = 2000;
