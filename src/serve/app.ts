// The dashboard's HTTP application (Hono): security headers on every answer, GET/HEAD only,
// the token check, then the route modules. Each module adds its pages to the app; the fleet
// page (SPEC §13, `--db`) is one of them (routes/fleet.ts).

import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { RrError } from '../errors.js';
import { readBearer, TOKEN_COOKIE, tokenMatches } from './auth.js';
import type { FleetSource } from './fleetView.js';
import type { PageRenderer } from './pages.js';
import type { RecordCache } from './recordCache.js';
import type { TailHub } from './tailHub.js';

/** What every route module receives. */
export interface ServeDeps {
  root: string;
  token: string | null;
  pages: PageRenderer;
  hub: TailHub;
  records: RecordCache;
  /** Aborted when the server closes: live streams end. */
  closing: AbortSignal;
  /** One line for the operator (errors that are our bugs). */
  log: (line: string) => void;
  /** The fleet database (`serve --db`), or null: the fleet page then says how to give one. */
  fleet: FleetSource | null;
}

/** A group of pages: registers its routes on the app. */
export type RouteModule = (app: Hono, deps: ServeDeps) => void;

/** The answer for anything not found, unknown or refused as a path. */
export function notFound(c: Context, deps: ServeDeps, what = 'page'): Response {
  return c.html(deps.pages.render('error.njk', { status: 404, title: 'Not found', message: `No such ${what}.` }), 404);
}

/** Builds the application from its route modules. */
export function createServeApp(deps: ServeDeps, modules: readonly RouteModule[]): Hono {
  const app = new Hono();
  app.use('*', secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
      objectSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"], frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: 'nosniff',
    crossOriginResourcePolicy: 'same-origin',
    strictTransportSecurity: false,
  }));
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return c.text('road_runner serve is read-only: GET only\n', 405);
    }
    c.header('Cache-Control', 'no-store');
    // URL parsing folds `..` and `%2e%2e` segments away before routing: a request that had any
    // is refused as it was sent, rather than served as some other page.
    const raw = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url ?? new URL(c.req.url).pathname;
    if (hasDotSegment(raw)) return notFound(c, deps);
    await next();
  });
  if (deps.token !== null) app.use('*', checkToken(deps.token));
  for (const register of modules) register(app, deps);
  app.notFound((c) => notFound(c, deps));
  app.onError((error, c) => {
    // A run whose records cannot be read (neither summary nor plan, say): said on the page, not a bug.
    if (error instanceof RrError) {
      return c.html(deps.pages.render('error.njk', { status: 404, title: 'Cannot show this run', message: `${error.message}${error.hint ? ` — ${error.hint}` : ''}` }), 404);
    }
    deps.log(`road_runner serve: internal error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    return c.html(deps.pages.render('error.njk', { status: 500, title: 'Internal error', message: 'road_runner could not build this page; the terminal running serve says why.' }), 500);
  });
  return app;
}

/** Whether a raw request target holds a `.` or `..` path segment, plain or percent-encoded. */
export function hasDotSegment(target: string): boolean {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  return path.split(/\/|%2f|%5c|\\/i).some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

// A request carries the token as a bearer header or as the cookie; `?token=T` on a browser's
// first visit sets the cookie and sends it back to the same address without the token.
function checkToken(token: string) {
  return async (c: Context, next: () => Promise<void>) => {
    const bearer = readBearer(c.req.header('authorization'));
    if (bearer !== null ? tokenMatches(bearer, token) : tokenMatches(getCookie(c, TOKEN_COOKIE), token)) return next();
    const given = c.req.query('token');
    if (given !== undefined && tokenMatches(given, token)) {
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    c.header('WWW-Authenticate', 'Bearer realm="road_runner"');
    return c.text('road_runner serve: this dashboard needs its token (Authorization: Bearer T, or open the URL once with ?token=T)\n', 401);
  };
}
