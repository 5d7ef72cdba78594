// The fleet routes without a running fleet: the dashboard's server started in-process, once
// without a database (no fleet link; /fleet says how to give one, 404) and once with a
// database nobody listens on (the link; /fleet and its fragments answer 503 with the reason,
// the password masked; the runs list still works). No PostgreSQL needed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveDatabase } from '../../src/fleet/connection.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { formatAge } from '../../src/serve/fleetView.js';

describe('fleet routes', () => {
  let root: string;
  let plain: RunningServer;
  let away: RunningServer;
  const logged: string[] = [];
  const options = { bind: '127.0.0.1', port: 0, token: null };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'rr-fleet-routes-'));
    mkdirSync(path.join(root, 'runs'));
    // Port 1 on the loopback: refused at once.
    const target = resolveDatabase({ env: { RR_DATABASE_URL: 'postgres://lab:s3cr3t-pw@127.0.0.1:1/fleet' } });
    [plain, away] = await Promise.all([startServer(root, options, (l) => logged.push(l)), startServer(root, options, (l) => logged.push(l), target)]);
  });

  afterAll(async () => {
    await Promise.all([plain?.close(), away?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  test('without a database: no link, and /fleet says how to start with one', async () => {
    const list = await (await fetch(plain.url)).text();
    expect(list).not.toContain('href="/fleet"');
    const r = await fetch(`${plain.url}fleet`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('road_runner serve --db URL');
    expect((await fetch(`${plain.url}fleet/live`)).status).toBe(404);
  });

  test('a database that does not answer: 503 pages naming it, password masked, runs list unharmed', async () => {
    const list = await fetch(away.url);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<a href="/fleet">');
    for (const p of ['fleet', 'fleet/live', 'fleet/distribution']) {
      const r = await fetch(`${away.url}${p}`);
      const body = await r.text();
      expect(r.status, p).toBe(503);
      expect(body, p).toMatch(/postgres:\/\/lab:\*\*\*@127\.0\.0\.1:1\/fleet: connecting failed: .*ECONNREFUSED/);
      expect(body, p).not.toContain('s3cr3t-pw');
      expect(body, p).toContain('class="fleet-fragment" data-ok="false"');
    }
    expect(logged.join('\n')).not.toContain('s3cr3t-pw');
    expect(logged.join('\n')).not.toMatch(/internal error/);
  });

  test('heartbeat ages read as people say them', () => {
    expect([formatAge(400), formatAge(12_400), formatAge(300_000), formatAge(9_000_000), formatAge(-1)]).toEqual(['0.4 s', '12 s', '5 min', '2.5 h', '—']);
  });
});
