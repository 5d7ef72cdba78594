// Renders the dashboard's pages with Nunjucks from templates/serve/ (and the report's
// templates/shmoo.html.njk, the one shmoo drawing), autoescape on: whatever a diagnostic
// printed reaches the page as text. Templates are compiled once per server; a workspace's
// templates/ folder overrides the package's file by file, as for the report.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type nunjucks from 'nunjucks';
import { packageTemplatesDir, TEMPLATE_COMPILE_OPTIONS, loadTemplateEngine } from '../report/templates.js';

/** The assets the dashboard serves itself (no CDN): name → content type and file under templates/. */
export const STATIC_FILES: Record<string, { type: string; file: string }> = {
  'report.css': { type: 'text/css; charset=utf-8', file: 'report.css' },
  'serve.css': { type: 'text/css; charset=utf-8', file: 'serve/serve.css' },
  'serve.js': { type: 'text/javascript; charset=utf-8', file: 'serve/serve.js' },
};

/** The page templates under templates/serve/. */
export const PAGE_TEMPLATES = ['runs.njk', 'run.njk', 'shmoo.njk', 'log.njk', 'compare.njk', 'error.njk', 'fleet.njk', 'fleet-live.njk', 'fleet-dist.njk'] as const;

/** Renders pages and hands out the static assets. */
export interface PageRenderer {
  render: (name: string, context: object) => string;
  asset: (name: string) => { type: string; body: string } | null;
}

/** Compiles the serve templates of the package (overridable from `<root>/templates/`); `fleet`: pages link to /fleet. */
export async function openPageRenderer(root: string, opts: { fleet?: boolean } = {}): Promise<PageRenderer> {
  const lib: typeof nunjucks = await loadTemplateEngine();
  const env = new lib.Environment(new lib.FileSystemLoader([join(resolve(root), 'templates'), packageTemplatesDir()], { noCache: false }), {
    autoescape: true,
    ...TEMPLATE_COMPILE_OPTIONS,
  });
  env.addGlobal('fleetPage', opts.fleet === true);
  // Compiled now rather than on the first visit of each page.
  for (const name of PAGE_TEMPLATES) env.getTemplate(`serve/${name}`, true);
  const assets = new Map<string, { type: string; body: string }>();
  for (const [name, { type, file }] of Object.entries(STATIC_FILES)) {
    assets.set(name, { type, body: readFileSync(join(packageTemplatesDir(), file), 'utf8') });
  }
  return {
    render: (name, context) => env.render(`serve/${name}`, context),
    asset: (name) => assets.get(name) ?? null,
  };
}
