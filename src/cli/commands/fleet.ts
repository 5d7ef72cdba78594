import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { ExportRow } from '../../report/exportRows.js';
import type { CommandContext } from '../context.js';
import { withFleetDb } from '../fleetDb.js';

interface FleetArgs {
  action: 'init' | 'submit' | 'status' | 'cancel' | 'clear' | 'results' | 'export' | 'report';
  out?: string;
  target?: string;
  flow?: string;
  margin?: string;
  units?: string;
  unitsFile?: string;
  unit?: string;
  json?: boolean;
  format?: string;
  what?: string;
  chunk?: number;
}

/** `road_runner fleet ACTION`: the lab's view of its hosts, units and jobs (docs/fleet.md). */
export default async function fleet(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const a = args as unknown as FleetArgs;
  switch (a.action) {
    case 'init': return init(ctx, args);
    case 'submit': return submit(ctx, a, args);
    case 'status': return status(ctx, a, args);
    case 'cancel': return cancel(ctx, a, args);
    case 'clear': return clear(ctx, a, args);
    case 'results': return results(ctx, a, args);
    case 'export': return exportCsv(ctx, a, args);
    case 'report': return report(ctx, a, args);
  }
}

async function init(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const { migrate, SCHEMA_VERSION } = await import('../../fleet/schema.js');
  const { startBoss } = await import('../../fleet/db.js');
  return withFleetDb(ctx, args, async (db) => {
    const applied = await migrate(db.pool);
    const boss = await startBoss(db.target, (m) => ctx.err(`warning: fleet queue: ${m}`), true);
    await boss.stop({ graceful: false, wait: true, close: true });
    ctx.out(applied.length > 0 ? `fleet database ${db.target.shown}: road_runner schema migrated to version ${SCHEMA_VERSION} (applied ${applied.join(', ')}); pg-boss schema ready`
      : `fleet database ${db.target.shown}: already at schema version ${SCHEMA_VERSION}; pg-boss schema ready`);
    return 0;
  }, { checkSchema: false });
}

// The serials of --units A,B or --units-file F (one per line, # comments).
function unitList(ctx: CommandContext, a: FleetArgs): string[] {
  let raw: string[];
  if (a.unitsFile !== undefined) {
    const file = path.resolve(ctx.cwd, a.unitsFile);
    if (!existsSync(file)) throw new UsageError(`--units-file ${file} does not exist`);
    raw = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim());
  } else if (a.units !== undefined) {
    raw = a.units.split(',').map((u) => u.trim());
  } else {
    throw new UsageError('fleet submit needs --units SN1,SN2 or --units-file FILE');
  }
  const units = [...new Set(raw.filter(Boolean))];
  if (units.length === 0) throw new UsageError('fleet submit: no unit serial given');
  return units;
}

async function submit(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  if (a.flow === undefined || a.margin === undefined) throw new UsageError('fleet submit needs --flow F and --margin M');
  const { checkSerial } = await import('../../fleet/db.js');
  const units = unitList(ctx, a).map((u) => checkSerial(u, 'fleet submit'));
  // The inputs are checked here first, so that a typo fails at the desk, not on every host.
  const { loadSweepInputs } = await import('../sweepInputs.js');
  const inputs = await loadSweepInputs(ctx, a.flow, a.margin);
  // The job carries a §12 inputs bundle of a plan made here under this workspace's policy
  // alone (no hardware profile: the desk is not the unit's host); each agent plans again
  // under its own policy and profile, tightened by the policy in the bundle.
  // With no profile, the desk's own CPU plays no part: no lscpu/uname is run here.
  const [{ buildHostFacts }, { planSweep }, { newRunId, randomHex6 }, { randomInt }, { packJobBundle }] = await Promise.all([
    import('../../host/facts.js'), import('../../plan/planSweep.js'), import('../../records/layout.js'), import('node:crypto'), import('../../fleet/jobInputs.js'),
  ]);
  const now = new Date();
  const { plan } = planSweep({
    workspace: inputs.workspace, flow: inputs.flow, margin: inputs.margin, host: buildHostFacts({ lscpu: '', uname: '' }), profile: 'none',
    runId: newRunId(now, randomHex6), createdAt: now.toISOString(), randomSeed: () => randomInt(0, 2 ** 32),
  });
  // Bounded in duration: chunks of sub-runs that resume one run, each pg-boss job expiring after its chunk's bound.
  const { planChunks } = await import('../../fleet/chunks.js');
  const chunks = planChunks(plan, a.chunk);
  const bundle = await packJobBundle({ root: ctx.root, plan, workspace: inputs.workspace, envPath: ctx.env.PATH ?? '', now });
  const { submitJobs } = await import('../../fleet/fleetOps.js');
  return withFleetDb(ctx, args, async (db) => {
    const sent = await submitJobs(db.pool, await db.boss(), { units, flow: inputs.flow.data.name, margin: inputs.margin.data.name, bundle, by: userInfo().username, chunks });
    const split = chunks.total > 1 ? ` in ${chunks.total} chunks of ${chunks.size} sub-run(s)` : '';
    if (a.json) ctx.out(JSON.stringify({ jobs: sent, chunks: { size: chunks.size, total: chunks.total, expire_s: chunks.expireS } }, null, 2));
    else for (const j of sent) ctx.out(`submitted job ${j.job_id} for unit ${j.unit}${split} (each chunk bounded to ${Math.ceil(chunks.expireS / 60)} min)`);
    return 0;
  });
}

async function status(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  const { fleetStatus } = await import('../../fleet/fleetOps.js');
  return withFleetDb(ctx, args, async (db) => {
    const s = await fleetStatus(db.pool);
    if (a.json) {
      ctx.out(JSON.stringify(s, null, 2));
      return 0;
    }
    ctx.out(`hosts (${s.hosts.length}):`);
    for (const h of s.hosts) ctx.out(`  ${h.host_id.padEnd(20)} ${h.state.padEnd(12)} last heartbeat ${(h.heartbeat_age_ms / 1000).toFixed(1)} s ago`);
    ctx.out(`units (${s.units.length}):`);
    for (const u of s.units) ctx.out(`  ${u.serial.padEnd(20)} ${u.state.padEnd(8)} on ${u.host_id ?? '-'}${u.blocked_reason ? `  (${u.blocked_reason})` : ''}`);
    ctx.out(`jobs (${s.jobs.length}):`);
    for (const j of s.jobs) {
      const chunks = j.chunks_total > 1 ? `  chunk ${Math.min(j.chunk_index + 1, j.chunks_total)}/${j.chunks_total} (${j.chunks_done} done)` : '';
      const lost = j.was_lost_at && j.state !== 'lost' ? `  [was lost at ${j.was_lost_at}]` : '';
      ctx.out(`  ${j.job_id}  ${j.unit.padEnd(12)} ${j.state.padEnd(11)} ${j.flow} × ${j.margin}${chunks}${j.run_id ? `  run ${j.run_id}` : ''}${lost}${j.detail ? `  — ${j.detail}` : ''}`);
    }
    return 0;
  });
}

async function cancel(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  if ((a.target === undefined) === (a.unit === undefined)) throw new UsageError('fleet cancel needs a JOB id or --unit SN (one of them)');
  const { cancelJobs } = await import('../../fleet/fleetOps.js');
  return withFleetDb(ctx, args, async (db) => {
    const r = await cancelJobs(db.pool, await db.boss(), a.target !== undefined ? { jobId: a.target } : { unit: a.unit! });
    for (const id of r.cancelled) ctx.out(`cancelled job ${id}`);
    for (const id of r.chainStops) ctx.out(`job ${id} is running a chunk: its chain stops when that chunk ends (the job is then cancelled, its run stays interrupted); stop its agent (SIGTERM) to interrupt it now`);
    for (const id of r.running) ctx.out(`job ${id} is running: stop its agent (SIGTERM) to interrupt it; rails go back to nominal and the job is reported interrupted`);
    if (r.cancelled.length === 0 && r.running.length === 0 && r.chainStops.length === 0) ctx.out('no queued job to cancel');
    return 0;
  });
}

async function clear(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  if (a.target === undefined) throw new UsageError('fleet clear needs the UNIT serial', 'e.g. road_runner fleet clear SN123');
  const { clearUnit } = await import('../../fleet/fleetOps.js');
  return withFleetDb(ctx, args, async (db) => {
    const r = await clearUnit(db.pool, await db.boss(), a.target!, userInfo().username);
    ctx.out(r.wasBlocked ? `unit ${a.target} cleared: it takes jobs again (its lost job stays lost, not re-run)` : `unit ${a.target} was not blocked`);
    return 0;
  });
}

async function results(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  const { fleetResults } = await import('../../fleet/fleetOps.js');
  return withFleetDb(ctx, args, async (db) => {
    const rows = await fleetResults(db.pool);
    if (a.json) {
      ctx.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (rows.length === 0) ctx.out('no results uploaded yet');
    for (const r of rows) {
      const c = r.counts ?? {};
      const chunks = (r.chunks_total ?? 1) > 1 ? `, ${r.chunks_done}/${r.chunks_total} chunks` : '';
      const lost = r.was_lost_at ? `  [its host was lost at ${r.was_lost_at}; job ${r.job_state}]` : '';
      ctx.out(`${r.run_id}  ${r.unit.padEnd(12)} ${r.host_id.padEnd(16)} ${r.status.padEnd(11)} ${r.flow ?? '?'} × ${r.margin ?? '?'}  ${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${r.steps_uploaded} steps uploaded${chunks}${lost}`);
    }
    return 0;
  });
}

async function exportCsv(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  if (a.format !== 'csv') throw new UsageError(`fleet export supports --format csv, got ${JSON.stringify(a.format)}`);
  const what = a.what === 'boundaries' ? 'boundaries' : 'steps';
  const { exportRows } = await import('../../fleet/fleetOps.js');
  const { writeCsv } = await import('../../report/tableWriters.js');
  return withFleetDb(ctx, args, async (db) => {
    const flat = async function* () {
      for await (const row of exportRows(db.pool, what)) yield flatten(row);
    };
    // Column names: fixed ones first, then margin_*, param_*, metric_* (each sorted), as `export` does.
    const keys = new Set<string>();
    for await (const row of flat()) for (const k of Object.keys(row)) keys.add(k);
    const fixed = what === 'steps'
      ? ['run_id', 'subrun_id', 'unit', 'host_id', 'step_index', 'step_id', 'adapter', 'status', 'exit_code', 'duration_ms', 'started_at', 'ended_at', 'error']
      : ['unit', 'run_id', 'host_id', 'rail', 'direction', 'column_key', 'raw', 'confirmed', 'guard_banded'];
    const rest = [...keys].filter((k) => !fixed.includes(k));
    const columns = [...fixed, ...['margin_', 'param_', 'metric_', 'axis_'].flatMap((p) => rest.filter((k) => k.startsWith(p)).sort())];
    const rows = async function* () {
      // writeCsv reads only `values` of an export row.
      for await (const row of flat()) yield { values: columns.map((c) => row[c] ?? null) } as unknown as ExportRow;
    };
    await writeCsv(rows(), columns, process.stdout);
    return 0;
  });
}

async function report(ctx: CommandContext, a: FleetArgs, args: Record<string, unknown>): Promise<number> {
  const { boundaryRows, troubleJobs } = await import('../../fleet/fleetOps.js');
  const { buildFleetReport, renderFleetHtml, renderFleetMarkdown } = await import('../../fleet/fleetReport.js');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const outDir = path.resolve(ctx.cwd, a.out ?? '.');
  return withFleetDb(ctx, args, async (db) => {
    const data = buildFleetReport(await boundaryRows(db.pool), await troubleJobs(db.pool), { flow: a.flow, margin: a.margin });
    mkdirSync(outDir, { recursive: true });
    const md = path.join(outDir, 'fleet-report.md');
    const html = path.join(outDir, 'fleet-report.html');
    writeFileSync(md, renderFleetMarkdown(data));
    writeFileSync(html, renderFleetHtml(data));
    ctx.out(`fleet report: ${data.units.length} unit(s), ${data.stats.length} column(s), ${data.trouble.length} lost or crashed job(s)`);
    ctx.out(`  ${path.relative(ctx.cwd, md) || md}`);
    ctx.out(`  ${path.relative(ctx.cwd, html) || html}`);
    return 0;
  });
}

// JSON columns spread into prefixed scalar columns.
function flatten(row: Record<string, unknown>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  const prefixes: Record<string, string> = { margins: 'margin_', params: 'param_', metrics: 'metric_', axes: 'axis_' };
  for (const [k, v] of Object.entries(row)) {
    if (k in prefixes) {
      for (const [name, value] of Object.entries((v ?? {}) as Record<string, unknown>)) out[`${prefixes[k]}${name}`] = scalar(value);
    } else {
      out[k] = scalar(v);
    }
  }
  return out;
}

function scalar(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return typeof v === 'string' && /^\d+$/.test(v) && v.length < 16 ? Number(v) : v;
  return JSON.stringify(v);
}
