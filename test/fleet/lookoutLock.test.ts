// The look-out (markLostHosts) when another look-out's agent loses its link in the middle of
// the look-out's transaction: the server ends that session after LOOKOUT_IDLE_MS, so its lock
// is released and hosts are written off again; meanwhile other look-outs skip, never wait.
// The cut link is a relay (in this process, to the test cluster) that stops forwarding the
// client's bytes once it sees the look-out's UPDATE: the server then holds the transaction
// open with the lock taken, as it would for a host whose network went away.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOKOUT_IDLE_MS, markLostHosts, registerHost } from '../../src/fleet/store.js';
import { cli, freshDatabase, query, skipWithoutDatabase } from './harness.js';

describe.skipIf(skipWithoutDatabase())('fleet: a look-out cut off mid-transaction', () => {
  let db: { url: string; drop: () => Promise<void> };
  let relay: net.Server;
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let relayUrl: string;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    db = await freshDatabase('lookout');
    const init = await cli(['fleet', 'init'], { RR_DATABASE_URL: db.url });
    expect(init.code, init.stderr).toBe(0);
    const target = new URL(db.url);
    relay = net.createServer((down) => {
      const up = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [down, up]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
      down.on('data', (b: Buffer) => {
        if (b.includes("UPDATE road_runner.hosts SET state = 'lost'")) frozen = true;
        if (!frozen) up.write(b);
      });
      up.pipe(down);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const u = new URL(db.url);
    u.port = String((relay.address() as net.AddressInfo).port);
    relayUrl = u.href;
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await new Promise((r) => relay?.close(() => r(undefined)));
    await db?.drop();
  });

  const pool = (url: string) => {
    const p = new pg.Pool({ connectionString: url, max: 2 });
    p.on('error', () => undefined);
    p.on('connect', (c) => c.on('error', () => undefined));
    pools.push(p);
    return p;
  };

  it('skips while the lock is held, and writes hosts off again once the server ended the cut session', async () => {
    const direct = pool(db.url);
    const reg = { hostname: 'h', pid: 1, workspace: '/w', heartbeatMs: 250, lostAfterMs: 1000, version: 't' };
    await registerHost(direct, { ...reg, hostId: 'stale-1' }, ['SN901']);
    await query(db.url, "UPDATE road_runner.hosts SET last_heartbeat = now() - interval '1 hour'");
    // The cut look-out: its transaction stalls after its lock, with the UPDATE never arriving.
    void markLostHosts(pool(relayUrl)).catch(() => undefined);
    const t0 = Date.now();
    while (!frozen && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(frozen).toBe(true);
    // Another look-out does not wait behind it: it skips this round.
    const t1 = Date.now();
    expect(await markLostHosts(direct)).toEqual([]);
    expect(Date.now() - t1).toBeLessThan(1000);
    // Once the server ended the stalled session, the lock is free and the stale host is written off.
    let lost: string[] = [];
    while (lost.length === 0 && Date.now() - t1 < LOOKOUT_IDLE_MS + 5000) {
      await new Promise((r) => setTimeout(r, 250));
      lost = await markLostHosts(direct);
    }
    expect(lost).toEqual(['stale-1']);
    expect(Date.now() - t1).toBeGreaterThan(LOOKOUT_IDLE_MS - 1000);
  }, 30_000);
});
