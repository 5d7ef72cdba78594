// The dashboard's own CSS and JS (no asset comes from a network).
import type { RouteModule } from '../app.js';
import { notFound } from '../app.js';

/** GET /static/<name>: the fixed list of assets in pages.ts, nothing else. */
export const assetRoutes: RouteModule = (app, deps) => {
  app.get('/static/:name', (c) => {
    const asset = deps.pages.asset(c.req.param('name'));
    if (asset === null) return notFound(c, deps, 'file');
    return c.body(asset.body, 200, { 'Content-Type': asset.type });
  });
};
