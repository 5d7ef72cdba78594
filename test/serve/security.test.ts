// `road_runner serve` refuses what it must, over plain HTTP against the built CLI: ids and
// paths that try to leave runs/ (dot segments, encoded, absolute, a symlink in runs/ pointing
// out) are 404; hostile diagnostic output reaches the page escaped, under a CSP without inline
// scripts; a non-local bind without a token does not start; with a token, requests without it
// are 401; POST is refused; SIGTERM closes it cleanly.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkspace } from '../run/workspace.js';
import { createServeWorkspace, HOSTILE, startServe, type ServeProcess } from './serveHelpers.js';

const TOKEN = 'tok-0123456789abcdef-serve';

// A raw GET (node's http keeps the path exactly as written: no dot-segment folding).
function get(url: string, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('road_runner serve: refusals', () => {
  let ws: TestWorkspace;
  let runId: string;
  let serve: ServeProcess;
  let tokenServe: ServeProcess;
  const outside = 'rr-20990101T000000Z-abcdef';

  beforeAll(async () => {
    ws = createServeWorkspace();
    const r = await ws.run('shmoo', 'grid');
    expect(r.code, r.stderr).toBe(1); // vcore 850 fails
    runId = path.basename(ws.onlyRun());
    // A run-named symlink in runs/ pointing out of it, at a folder that looks like a run.
    const elsewhere = path.join(ws.root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'summary.json'), '{"secret": true}');
    symlinkSync(elsewhere, path.join(ws.runs, outside));
    [serve, tokenServe] = await Promise.all([startServe(ws), startServe(ws, ['--token', TOKEN])]);
  });

  afterAll(async () => {
    for (const s of [serve, tokenServe]) if (s && s.proc.child.exitCode === null) s.proc.child.kill('SIGKILL');
    ws?.dispose();
  });

  test('ids and paths that leave runs/ answer 404', async () => {
    expect((await get(serve.url, `/runs/${runId}`)).status).toBe(200);
    const sub = `${runId}-s00`;
    const attempts = [
      '/runs/..', '/runs/%2e%2e', '/runs/%2E%2E/', '/runs/..%2f..%2fetc%2fpasswd', '/runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/runs//etc/passwd', '/runs/%2Fetc%2Fpasswd', '/runs/%2fetc/shmoo', `/runs/${outside}`, `/runs/${outside}/shmoo`, `/runs/${outside}/events`,
      `/runs/${runId}/../../etc/passwd`, `/runs/${runId}/logs/${sub}/..%2f..%2fsummary.json`, `/runs/${runId}/logs/${sub}/%2e%2e`,
      `/runs/${runId}/logs/..%2f${sub}/00_probe.log`, `/runs/${runId}/logs/${outside}-s00/00_probe.log`, `/runs/${runId}?subrun=..%2f..`,
      `/compare?a=${runId}&b=${outside}`, `/compare?a=..&b=${runId}`, '/static/..%2fpackage.json', '/static/%2e%2e/%2e%2e/package.json', '/etc/passwd',
    ];
    for (const p of attempts) {
      const res = await get(serve.url, p);
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain('secret');
      expect(res.body, p).not.toContain('root:');
    }
  });

  test('hostile diagnostic output is escaped, under a CSP without inline scripts', async () => {
    const res = await get(serve.url, `/runs/${runId}/logs/${runId}-s00/00_probe.log`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(res.body).not.toContain(HOSTILE);
    expect(res.body).not.toContain('<img src=x');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  test('read-only: POST is refused', async () => {
    expect((await get(serve.url, '/', {}, 'POST')).status).toBe(405);
    expect((await get(serve.url, `/runs/${runId}`, {}, 'DELETE')).status).toBe(405);
  });

  test('with a token, a request without it is 401; bearer, ?token= and its cookie are let in', async () => {
    expect((await get(tokenServe.url, '/')).status).toBe(401);
    expect((await get(tokenServe.url, `/runs/${runId}`)).status).toBe(401);
    expect((await get(tokenServe.url, '/static/serve.js')).status).toBe(401);
    expect((await get(tokenServe.url, '/', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await get(tokenServe.url, '/?token=wrong-token-0123456789')).status).toBe(401);
    expect((await get(tokenServe.url, '/', { cookie: 'rr_serve_token=nope' })).status).toBe(401);
    expect((await get(tokenServe.url, `/runs/${runId}`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const first = await get(tokenServe.url, `/runs/${runId}?token=${TOKEN}&page=0`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`/runs/${runId}?page=0`);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const jar = cookie.split(';')[0]!;
    expect((await get(tokenServe.url, `/runs/${runId}`, { cookie: jar })).status).toBe(200);
  });

  test('a non-local bind without a token refuses to start (exit 2)', async () => {
    const r = await ws.cli(['serve', '--bind', '0.0.0.0', '--port', '0'], { env: { RR_SERVE_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to serve on 0.0.0.0 without a token');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const short = await ws.cli(['serve', '--bind', '0.0.0.0', '--token', 'short']);
    expect(short.code).toBe(2);
  });

  test('SIGTERM closes it cleanly', async () => {
    serve.proc.child.kill('SIGTERM');
    const r = await serve.proc.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('road_runner serve: closed');
  });
});
