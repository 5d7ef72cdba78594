// The fleet page's data (SPEC §13–§14, `serve --db`): plain objects built from the same
// queries and builders as `fleet status` and `fleet report` (src/fleet/fleetOps.ts,
// fleetReport.ts, its box plot included). The database modules — and pg with them — are
// imported here with import(), and this module itself only when serve has a database.
// A database that cannot be reached or is not initialised gives a view with `error` set,
// its text scrubbed of the password: the page says so instead of failing.

import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { RrError } from '../errors.js';
import type { DatabaseTarget } from '../fleet/connection.js';
import type { BoundaryRow } from '../fleet/fleetReport.js';

import { FLEET_CACHE_MS } from './fleetLimits.js';

/** Ended jobs listed under "recent". */
const RECENT_JOBS = 15;
/** Flow × margin groups drawn, newest first. */
const MAX_GROUPS = 6;

/** An answer that may be a database outage. */
type Maybe<T> = ({ ok: true } & T) | { ok: false; error: string };

/** Hosts, units and jobs (the live part). */
export type FleetLive = Maybe<{
  hosts: { host_id: string; hostname: string; state: string; age: string; ageMs: number; workspace: string | null }[];
  units: { serial: string; host_id: string; state: string; blocked_reason: string }[];
  running: FleetJob[];
  queued: FleetJob[];
  recent: FleetJob[];
  trouble: { job_id: string; unit: string; host_id: string; state: string; detail: string; run_id: string }[];
  /** Changes when a job ends: the page then fetches the distribution again. */
  stamp: string;
}> & { at: string; database: string };

/** One job row as shown. */
export interface FleetJob {
  job_id: string;
  short: string;
  unit: string;
  host_id: string;
  state: string;
  flow: string;
  margin: string;
  run_id: string;
  submitted_at: string;
  started_at: string;
  ended_at: string;
  detail: string;
}

/** The boundary distribution, one group per flow × margin. */
export type FleetDistribution = Maybe<{
  groups: {
    title: string;
    rail: string;
    direction: string;
    columns: string[];
    units: { unit: string; run_id: string; cells: string[] }[];
    stats: { column: string; n: number; min: string; q1: string; median: string; q3: string; max: string; outliers: string }[];
    /** The report's SVG box plot (escaped by its renderer). */
    svg: string;
  }[];
}> & { at: string; database: string };

/** What the fleet routes read. */
export interface FleetSource {
  /** The database as printable (password masked). */
  shown: string;
  live: () => Promise<FleetLive>;
  distribution: () => Promise<FleetDistribution>;
  close: () => Promise<void>;
}

/** Opens the pool (no connection yet: an unreachable database is a message on the page, not a start failure). */
export async function openFleetSource(target: DatabaseTarget, log: (line: string) => void): Promise<FleetSource> {
  const { openPool, assertInitialised } = await import('../fleet/db.js');
  const { fleetStatus, boundaryRows, troubleJobs } = await import('../fleet/fleetOps.js');
  const { buildFleetReport, boxPlots } = await import('../fleet/fleetReport.js');
  const { databaseError } = await import('../fleet/connection.js');
  let warned = '';
  const pool: Pool = await openPool(target, (m) => {
    if (m !== warned) log(`road_runner serve: fleet database ${target.shown}: ${m}`);
    warned = m;
  }, 3);
  let initialised = false;

  // Runs `read` against an initialised database; any failure becomes the page's message.
  const guarded = async <T extends object>(read: () => Promise<T>): Promise<Maybe<T> & { at: string; database: string }> => {
    const base = { at: new Date().toISOString(), database: target.shown };
    try {
      if (!initialised) {
        await assertInitialised(target, pool);
        initialised = true;
      }
      return { ...base, ok: true, ...(await read()) };
    } catch (err) {
      const e = err instanceof RrError ? err : databaseError(target, err, 'reading the fleet');
      if (!(err instanceof RrError) && !isDatabaseFailure(err)) log(`road_runner serve: fleet page: ${(err as Error).stack ?? String(err)}`);
      initialised = false;
      return { ...base, ok: false, error: `${e.message}${e.hint ? ` — ${e.hint}` : ''}` };
    }
  };

  return {
    shown: target.shown,
    live: shared(() => guarded(async () => liveView(await fleetStatus(pool, 50), await troubleJobs(pool)))),
    distribution: shared(() => guarded(async () => ({ groups: distributionGroups(await boundaryRows(pool), buildFleetReport, boxPlots) }))),
    close: () => pool.end().catch(() => undefined),
  };
}

// One query in flight and its answer kept FLEET_CACHE_MS for every caller.
function shared<T>(load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (last === null || now - last.at >= FLEET_CACHE_MS) last = { at: now, value: load() };
    return last.value;
  };
}

type Status = Awaited<ReturnType<typeof import('../fleet/fleetOps.js').fleetStatus>>;
type Trouble = Awaited<ReturnType<typeof import('../fleet/fleetOps.js').troubleJobs>>;

/** The live part from `fleet status`'s data and the lost/crashed jobs. */
export function liveView(s: Status, trouble: Trouble) {
  const jobs = s.jobs.map(describeJob);
  const ended = jobs.filter((j) => j.state !== 'queued' && j.state !== 'running')
    .sort((a, b) => (a.ended_at < b.ended_at ? 1 : a.ended_at > b.ended_at ? -1 : 0));
  return {
    hosts: s.hosts.map((h) => ({ host_id: h.host_id, hostname: h.hostname, state: h.state, age: formatAge(h.heartbeat_age_ms), ageMs: h.heartbeat_age_ms, workspace: h.workspace })),
    units: s.units.map((u) => ({ serial: u.serial, host_id: u.host_id ?? '—', state: u.state, blocked_reason: u.blocked_reason ?? '' })),
    running: jobs.filter((j) => j.state === 'running'),
    queued: jobs.filter((j) => j.state === 'queued'),
    recent: ended.slice(0, RECENT_JOBS),
    trouble: trouble.map((t) => ({ job_id: t.job_id, unit: t.unit, host_id: t.host_id ?? '—', state: t.state, detail: t.detail ?? '', run_id: t.run_id ?? '' })),
    stamp: createHash('sha256').update(ended.map((j) => `${j.job_id}:${j.state}`).join(',')).digest('hex').slice(0, 16),
  };
}

function describeJob(j: Status['jobs'][number]): FleetJob {
  return {
    job_id: j.job_id, short: j.job_id.slice(0, 8), unit: j.unit, host_id: j.host_id ?? '—', state: j.state, flow: j.flow, margin: j.margin,
    run_id: j.run_id ?? '', submitted_at: j.submitted_at, started_at: j.started_at ?? '', ended_at: j.ended_at ?? '', detail: j.detail ?? '',
  };
}

/** A heartbeat age as people read it: 0.4 s, 12 s, 3 min, 2.5 h. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

type Builder = typeof import('../fleet/fleetReport.js').buildFleetReport;
type Drawer = typeof import('../fleet/fleetReport.js').boxPlots;

/** `fleet report`'s data per flow × margin (newest first), with the report's box plot. */
export function distributionGroups(rows: BoundaryRow[], build: Builder, draw: Drawer) {
  const groups = new Map<string, { flow: string | null; margin: string | null; newest: string; rows: BoundaryRow[] }>();
  for (const r of rows) {
    const key = JSON.stringify([r.flow, r.margin, r.rail, r.direction]);
    const g = groups.get(key) ?? { flow: r.flow, margin: r.margin, newest: '', rows: [] };
    g.rows.push(r);
    if ((r.started_at ?? '') > g.newest) g.newest = r.started_at ?? '';
    groups.set(key, g);
  }
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(1));
  return [...groups.values()].sort((a, b) => (a.newest < b.newest ? 1 : a.newest > b.newest ? -1 : 0)).slice(0, MAX_GROUPS).map((g) => {
    const d = build(g.rows, [], { flow: g.flow ?? undefined, margin: g.margin ?? undefined });
    return {
      title: `${g.flow ?? '?'} × ${g.margin ?? '?'}`,
      rail: d.rail ?? '?',
      direction: g.rows[0]?.direction ?? '?',
      columns: d.columns.map((c) => (c === '' ? '(single column)' : c)),
      units: d.units.map((u) => ({
        unit: u.unit, run_id: u.run_id,
        cells: d.columns.map((c) => `${fmt(u.values[c])}${u.drift[c] ? ` (${u.drift[c]! > 0 ? '+' : ''}${fmt(u.drift[c])})` : ''}`),
      })),
      stats: d.stats.map((s) => ({
        column: s.column === '' ? '(single column)' : s.column, n: s.n, min: fmt(s.min), q1: fmt(s.q1), median: fmt(s.median), q3: fmt(s.q3), max: fmt(s.max),
        outliers: s.outliers.map((o) => `${o.unit} (${fmt(o.value)})`).join(', '),
      })),
      svg: draw(d.stats),
    };
  });
}

// An error of PostgreSQL or pg (not a bug of ours).
function isDatabaseFailure(err: unknown): boolean {
  return !(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError);
}
