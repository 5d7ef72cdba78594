// Four agents, each with its own workspace, unit and simulated rails, on one fresh database:
// a submit to all four runs each job on its own unit's host only, and the database holds the
// local records row for row. Also: a job beyond a host's policy is refused (exit 3) with the
// rails untouched, a job whose §12 bundle was tampered with is refused (exit 2) with the rails
// untouched, fleet status/results/export, and a connection error that hides the password.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import {
  cli, freshDatabase, initWorkspaces, localStepEnds, query, removeWorkspace, skipWithoutDatabase, startAgent, waitFor, writeFlow, writeMargin,
  type FleetWorkspace, type Running,
} from './harness.js';
import { HOST_FILE } from './harness.js';
import { makeJobBundle, tamper } from './jobBundle.js';
import { resolveDatabase } from '../../src/fleet/connection.js';
import { openPool, startBoss } from '../../src/fleet/db.js';
import { submitJobs } from '../../src/fleet/fleetOps.js';

const UNITS = ['SN100', 'SN101', 'SN102', 'SN103'];
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/fleet-report.png', import.meta.url));

test.runIf(process.env.REQUIRE_SYSTEM_TOOLS === '1')('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

// Each unit's diagnostic fails below its own Vmin (mV at 2000 MHz; 30 mV more at 2400 MHz), so
// the units' boundaries spread and the fleet report has a distribution to draw.
const VMIN: Record<string, number> = { SN100: 860, SN101: 880, SN102: 845, SN103: 905 };
const VCORE = [850, 875, 900, 925, 950];
const VMIN_DIAG = `#!/bin/sh
case "$RR_UNIT" in ${Object.entries(VMIN).map(([u, t]) => `${u}) t=${t};;`).join(' ')} *) t=1000;; esac
[ "$RR_MARGIN_FREQ_MHZ" = 2400 ] && t=$((t + 30))
if [ "$RR_MARGIN_VCORE_MV" -lt "$t" ]; then echo "MISCOMPARE below $t"; exit 1; fi
echo "ok at $RR_MARGIN_VCORE_MV"
`;
// The lowest value of the grid at or above a unit's Vmin: its boundary in that column.
const expectedVmin = (unit: string, freq: number) => VCORE.find((v) => v >= VMIN[unit]! + (freq === 2400 ? 30 : 0))!;

describe.skipIf(skipWithoutDatabase())('fleet: four agents', () => {
  let db: { url: string; drop: () => Promise<void> };
  let desk: FleetWorkspace;
  const hosts: FleetWorkspace[] = [];
  const agents: Running[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase('four');
    env = { RR_DATABASE_URL: db.url };
    const [made, init] = await Promise.all([initWorkspaces('desk', 'h0', 'h1', 'h2', 'h3'), cli(['fleet', 'init'], env)]);
    expect(init.code, init.stderr).toBe(0);
    [desk] = made;
    hosts.push(...made.slice(1));
    // A lost limit well above the harness's 4 s (as in test/serve/fleetPage.test.ts): on a busy
    // machine a starved agent must not be written off while its job runs (nothing here tests loss).
    hosts.forEach((h, i) => agents.push(startAgent(h, db.url, UNITS[i]!, `host-${i}`, ['--lost-after-ms', '20000'])));
    await waitFor('four hosts online', async () => (await query(db.url, "SELECT count(*)::int AS n FROM road_runner.hosts WHERE state = 'online'"))[0]!.n === 4,
      20_000, () => agents.map((a) => a.output()).join('\n'));
    writeFlow(desk, 'quick', 'steps:\n  - {id: smoke, adapter: cpu-smoke, params: {iterations: 100}}\n');
    writeMargin(desk, 'two', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {values: [850, 950]}\n    freq_mhz: {values: [2000, 2400]}\n');
    for (const w of made) {
      writeFileSync(path.join(w.root, 'adapters/vmin.yaml'), 'name: vmin\nexecutable: vmin\ntimeout_s: 30\n');
      writeFileSync(path.join(w.root, 'diags/vmin'), VMIN_DIAG, { mode: 0o755 });
    }
    writeFlow(desk, 'vmin', 'steps:\n  - {id: vmin, adapter: vmin}\n');
    writeMargin(desk, 'vmin-grid', `global_seed: 3\ntargets:\n  default:\n    vcore_mv: {values: [${VCORE.join(', ')}]}\n    freq_mhz: {values: [2000, 2400]}\n`);
    writeMargin(desk, 'too-high', 'global_seed: 3\ntargets:\n  default:\n    vcore_mv: {fixed: 1080}\n    freq_mhz: {fixed: 2000}\n');
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await db?.drop();
    for (const h of [desk, ...hosts]) if (h) removeWorkspace(h);
  });

  it('runs one job per unit on its own host, and the database matches the local records', async () => {
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'two', '--units', UNITS.join(','), '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const sent = JSON.parse(sub.stdout).jobs as { job_id: string; unit: string }[];
    expect(sent.map((j) => j.unit).sort()).toEqual(UNITS);
    const jobs = await waitFor('four jobs ended', async () => {
      const rows = await query(db.url, 'SELECT job_id::text, unit, state, host_id, run_id FROM road_runner.jobs ORDER BY unit');
      return rows.length === 4 && rows.every((r) => !['queued', 'running'].includes(r.state)) ? rows : null;
    }, 120_000, () => agents.map((a) => a.output()).join('\n'));
    for (const [i, job] of jobs.entries()) {
      expect(job.state, agents[i]!.output()).toBe('passed');
      expect(job.unit).toBe(UNITS[i]);
      expect(job.host_id).toBe(`host-${i}`); // on its own unit's host only
      // The run exists in that host's workspace only.
      const runDir = path.join(hosts[i]!.root, 'runs', job.run_id);
      const local = localStepEnds(runDir);
      expect(local.size).toBe(4); // 2 × 2 points, one step each
      for (const [j, other] of hosts.entries()) if (j !== i) expect(localStepEnds(path.join(other.root, 'runs', job.run_id)).size).toBe(0);
      // Record for record: every local step_end is one row, the same outcome; nothing else.
      const rows = await query(db.url, 'SELECT subrun_id, step_index, step_id, status, exit_code, duration_ms::int AS duration_ms, event FROM road_runner.steps WHERE run_id = $1', [job.run_id]);
      expect(rows.length).toBe(local.size);
      for (const r of rows) {
        const e = local.get(`${r.subrun_id}#${r.step_index}`)!;
        expect(e).toBeDefined();
        expect([r.step_id, r.status, r.exit_code, r.duration_ms]).toEqual([e.step_id, e.status, e.exit_code, e.duration_ms]);
        expect(r.event).toEqual(e);
      }
      const [run] = await query(db.url, 'SELECT status, unit, host_id, summary FROM road_runner.runs WHERE run_id = $1', [job.run_id]);
      const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
      expect(run!.summary).toEqual(summary);
      expect([run!.status, run!.unit, run!.host_id]).toEqual(['passed', UNITS[i], `host-${i}`]);
      const subs = await query(db.url, 'SELECT subrun_id FROM road_runner.subruns WHERE run_id = $1 ORDER BY subrun_id', [job.run_id]);
      expect(subs.map((s) => s.subrun_id)).toEqual(summary.subruns.map((s: { id: string }) => s.id));
      // Rails back at nominal after the job.
      expect(hosts[i]!.railState('vcore_mv')).toBe(1000);
    }
    const units = await query(db.url, 'SELECT serial, state FROM road_runner.units ORDER BY serial');
    expect(units.map((u) => u.state)).toEqual(['idle', 'idle', 'idle', 'idle']);

    const results = await cli(['fleet', 'results', '--json'], env);
    expect(JSON.parse(results.stdout).map((r: { unit: string }) => r.unit).sort()).toEqual(UNITS);
    const csv = await cli(['fleet', 'export', '--format', 'csv'], env);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run_id,subrun_id,unit,host_id,step_index,step_id,adapter,status,/);
    expect(lines[0]).toContain('margin_vcore_mv');
    expect(lines.length).toBe(1 + 16);

    // The fleet report: every unit's boundary per frequency column, and the distribution.
    const out = path.join(desk.root, 'fleet-report');
    const rep = await cli(['fleet', 'report', '--flow', 'quick', '--margin', 'two', '--out', out], env);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('4 unit(s), 2 column(s)');
    const md = readFileSync(path.join(out, 'fleet-report.md'), 'utf8');
    for (const u of UNITS) expect(md).toMatch(new RegExp(`\\| ${u} \\| rr-`));
    expect(md).toMatch(/\| freq_mhz=2000 \| 4 \|/);
    expect(readFileSync(path.join(out, 'fleet-report.html'), 'utf8')).toContain('<svg');
    const bcsv = await cli(['fleet', 'export', '--format', 'csv', '--what', 'boundaries'], env);
    expect(bcsv.code, bcsv.stderr).toBe(0);
    const blines = bcsv.stdout.trim().split('\n');
    expect(blines[0]).toBe('unit,run_id,host_id,rail,direction,column_key,raw,confirmed,guard_banded,axis_freq_mhz');
    expect(blines.length).toBe(1 + 8); // 4 units × 2 frequency columns
  }, 180_000);

  it.skipIf(!hasChromium)('fleet report of the four units draws the Vmin distribution per frequency (screenshot in headless Chromium)', async () => {
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'vmin', '--margin', 'vmin-grid', '--units', UNITS.join(','), '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const ids = (JSON.parse(sub.stdout).jobs as { job_id: string }[]).map((j) => j.job_id);
    const jobs = await waitFor('four Vmin jobs ended', async () => {
      const rows = await query(db.url, 'SELECT unit, state FROM road_runner.jobs WHERE job_id = ANY($1) ORDER BY unit', [ids]);
      return rows.every((r) => !['queued', 'running'].includes(r.state)) ? rows : null;
    }, 120_000, () => agents.map((a) => a.output()).join('\n'));
    expect(jobs.map((j) => j.state)).toEqual(['failed', 'failed', 'failed', 'failed']); // each failed below its Vmin
    const out = path.join(desk.root, 'vmin-report');
    const rep = await cli(['fleet', 'report', '--flow', 'vmin', '--margin', 'vmin-grid', '--out', out], env);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('4 unit(s), 2 column(s)');

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
      const offsite: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) offsite.push(r.url());
      });
      await page.goto(pathToFileURL(path.join(out, 'fleet-report.html')).href);
      const svg = page.locator('svg[aria-label="boundary distribution per column"]');
      await svg.waitFor();
      // One box and a median per frequency, a dot per unit in each, each dot at its unit's Vmin.
      expect(await svg.locator('rect.box').count()).toBe(2);
      expect(await svg.locator('line.median').count()).toBe(2);
      expect(await svg.locator('circle').count()).toBe(8);
      const labels = await svg.locator('text').allTextContents();
      expect(labels).toEqual(expect.arrayContaining(['freq_mhz=2000 (n=4)', 'freq_mhz=2400 (n=4)']));
      const titles = (await svg.locator('circle title').allTextContents()).sort();
      expect(titles).toEqual(UNITS.flatMap((u) => [2000, 2400].map((f) => `${u}: ${expectedVmin(u, f)}`)).sort());
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(60);
      // Drawn, not blank: the SVG's own pixels, read back through a canvas in the same browser.
      const png = await svg.screenshot();
      const inked = await page.evaluate(async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d')!;
        g.drawImage(img, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        let blue = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i]! < 128 && px[i + 1]! < 128 && px[i + 2]! < 128) dark++;
          if (px[i + 2]! > 200 && px[i]! < 220 && px[i]! + 20 < px[i + 2]!) blue++; // the boxes' fill
        }
        return { dark, blue, total: px.length / 4 };
      }, `data:image/png;base64,${png.toString('base64')}`);
      expect(inked.dark).toBeGreaterThan(200); // dots, medians, labels
      expect(inked.blue).toBeGreaterThan(200); // two boxes
      expect(offsite).toEqual([]);
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('refuses a job beyond the host\'s policy with exit 3, rails untouched', async () => {
    // The desk's own policy allows 1080 mV; the hosts' xeon profile stops at 1050.
    const before = hosts[0]!.railHistory('vcore_mv').length;
    const unitsFile = path.join(desk.root, 'units.txt');
    writeFileSync(unitsFile, `# the unit on host-0\n${UNITS[0]}\n`);
    const sub = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'too-high', '--units-file', unitsFile, '--json'], env);
    expect(sub.code, sub.stderr).toBe(0);
    const [job] = JSON.parse(sub.stdout).jobs;
    const row = await waitFor('the job refused', async () => (await query(db.url, "SELECT state, exit_code, detail FROM road_runner.jobs WHERE job_id = $1 AND state <> 'queued' AND state <> 'running'", [job.job_id]))[0]);
    expect(row.state).toBe('refused');
    expect(row.exit_code).toBe(3);
    expect(row.detail).toMatch(/vcore_mv/);
    expect(row.detail).toMatch(/1050/);
    expect(hosts[0]!.railHistory('vcore_mv').length).toBe(before);
    expect((await query(db.url, "SELECT state FROM road_runner.units WHERE serial = $1", [UNITS[0]]))[0]!.state).toBe('idle');
  }, 90_000);

  it('refuses a job whose bundle was tampered with (exit 2), unit not blocked, rails untouched', async () => {
    // A crafted job, sent through the real submit path: the margin inside the bag now asks for
    // 1000 mV (within every bound: only the bag's manifest can tell), its outer sha256 recomputed.
    const good = await makeJobBundle(desk.root, 'quick', 'two', HOST_FILE);
    const bad = await tamper(good, (bag) => appendFileSync(path.join(bag, 'data/inputs/margins/two.yaml'), '# values: [1000]\n'));
    const before = hosts[1]!.railHistory('vcore_mv').length;
    const runsBefore = existsSync(path.join(hosts[1]!.root, 'runs')) ? readdirSync(path.join(hosts[1]!.root, 'runs')).length : 0;
    const target = resolveDatabase({ env: { RR_DATABASE_URL: db.url } });
    const pool = await openPool(target, () => undefined);
    const boss = await startBoss(target, () => undefined, false);
    let jobId: string;
    try {
      [{ job_id: jobId }] = await submitJobs(pool, boss, { units: [UNITS[1]!], flow: 'quick', margin: 'two', bundle: bad, by: 'tamper-test' }) as [{ job_id: string }];
    } finally {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await pool.end();
    }
    const row = await waitFor('the tampered job refused', async () => (await query(db.url, "SELECT state, exit_code, detail, run_id FROM road_runner.jobs WHERE job_id = $1 AND state NOT IN ('queued', 'running')", [jobId]))[0],
      20_000, () => agents[1]!.output());
    expect(row.state).toBe('refused');
    expect(row.exit_code).toBe(2);
    expect(row.detail).toMatch(/refused by this host \(exit 2\): the bundle of job .* was refused: .*margins\/two.yaml: checksum mismatch/);
    expect(row.run_id).toBeNull();
    expect(hosts[1]!.railHistory('vcore_mv').length).toBe(before);
    expect(readdirSync(path.join(hosts[1]!.root, 'runs')).filter((n) => n.startsWith('rr-')).length).toBeLessThanOrEqual(runsBefore);
    expect(existsSync(path.join(hosts[1]!.root, '.fleet/jobs', jobId!))).toBe(false); // nothing extracted into the workspace
    expect((await query(db.url, 'SELECT state FROM road_runner.units WHERE serial = $1', [UNITS[1]]))[0]!.state).toBe('idle');
  }, 90_000);

  it('shows hosts; refuses unknown and blocked units; cancel; clear; a bad password is never echoed', async () => {
    const st = await cli(['fleet', 'status', '--json'], env);
    const s = JSON.parse(st.stdout);
    expect(s.hosts.map((h: { host_id: string; state: string }) => `${h.host_id}:${h.state}`)).toEqual(['host-0:online', 'host-1:online', 'host-2:online', 'host-3:online']);
    const unknown = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'two', '--units', 'SN999'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unit SN999: no agent has registered it/);
    // Two jobs for one unit, cancelled at once: what had not started is cancelled and never runs.
    const two = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'two', '--units', UNITS[2]!, '--json'], env);
    const again = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'two', '--units', UNITS[2]!, '--json'], env);
    const ids = [JSON.parse(two.stdout).jobs[0].job_id, JSON.parse(again.stdout).jobs[0].job_id];
    const cancel = await cli(['fleet', 'cancel', '--unit', UNITS[2]!], env);
    expect(cancel.code, cancel.stderr).toBe(0);
    const ended = await waitFor('both jobs settled', async () => {
      const rows = await query(db.url, 'SELECT job_id::text, state, run_id FROM road_runner.jobs WHERE job_id = ANY($1)', [ids]);
      return rows.every((r) => r.state === 'passed' || r.state === 'cancelled') ? rows : null;
    }, 30_000);
    const cancelled = ended.filter((r) => r.state === 'cancelled');
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.every((r) => r.run_id === null)).toBe(true);
    // fleet clear: a person vouches for a blocked unit; its lost job stays lost.
    await query(db.url, "UPDATE road_runner.units SET state = 'blocked', blocked_reason = 'test' WHERE serial = $1", [UNITS[3]]);
    await query(db.url, "UPDATE road_runner.jobs SET state = 'lost', detail = 'lost — rail state unknown' WHERE unit = $1", [UNITS[3]]);
    const blocked = await cli(['fleet', 'submit', '--root', desk.root, '--flow', 'quick', '--margin', 'two', '--units', UNITS[3]!], env);
    expect(blocked.stderr).toMatch(new RegExp(`unit ${UNITS[3]}: blocked`));
    const cleared = await cli(['fleet', 'clear', UNITS[3]!], env);
    expect(cleared.stdout).toMatch(/cleared: it takes jobs again/);
    expect((await query(db.url, 'SELECT state FROM road_runner.units WHERE serial = $1', [UNITS[3]]))[0]!.state).toBe('idle');
    const lostJobs = await query(db.url, 'SELECT state, detail FROM road_runner.jobs WHERE unit = $1', [UNITS[3]]);
    expect(lostJobs.every((j) => j.state === 'lost' && /cleared by/.test(j.detail))).toBe(true);
    const bad = new URL(db.url);
    const secret = 'Sup3rSecretPw';
    bad.password = secret;
    const wrong = await cli(['fleet', 'status'], { RR_DATABASE_URL: bad.href });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stderr + wrong.stdout).not.toContain(secret);
    const onArgv = await cli(['fleet', 'status', '--db', bad.href], {});
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr + onArgv.stdout).not.toContain(secret);
    const down = new URL(db.url);
    down.port = '1';
    const refused = await cli(['fleet', 'status'], { RR_DATABASE_URL: down.href });
    expect(refused.code).toBe(4);
    expect(refused.stderr).not.toContain(decodeURIComponent(new URL(db.url).password));
  }, 180_000); // a dozen CLI starts and a job: up to a minute on a loaded 2-core host
});
