// A large shmoo on the dashboard (more than COMPACT_CELLS cells): serve sends no element per
// cell but one hit layer listing every cell (src/report/shmooSvg.ts, HitLayer 'data'), and the
// page's script finds the cell under the pointer. In memory: the layer lists each cell once, with
// its state, outcomes and sub-runs, and the drawing is the report's. In headless Chromium over a
// real `road_runner serve`: hovering a cell shows its point, verdict and sub-run; clicking a fail
// cell opens that sub-run's steps; a screenshot goes to test/artifacts/serve-shmoo-large.png.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { CELL_STATES, judgeShmoo } from '../../src/report/shmooCells.js';
import { placeSubruns, type ShmooPoint } from '../../src/report/shmooGrid.js';
import { COMPACT_CELLS, HIT_OUTCOMES, layoutShmoo } from '../../src/report/shmooSvg.js';
import { gridPoints, writeRun, type SubrunSpec } from '../report/builders.js';
import { createWorkspace, type TestWorkspace } from '../run/workspace.js';
import { startServe, type ServeProcess } from './serveHelpers.js';
import { FREQS, LARGE_AXES, outcomeAt, VOLTS } from '../report/largeGrid.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const RUN_ID = 'rr-20240131T150000Z-d0d0d0';

const axes = LARGE_AXES;

// The data attributes of the hit layer, parsed as serve.js parses them.
function readHitLayer(svg: string) {
  const tag = /<g class="shmoo-hits"([^>]*)>/.exec(svg)?.[1] ?? '';
  const attr = (name: string) => new RegExp(` data-${name}="([^"]*)"`).exec(tag)?.[1] ?? '';
  const prefix = attr('prefix');
  const cells = attr('cells').split(';').map((entry) => {
    const [head, ...pts] = entry.split(' ');
    const [col, row, state, fails, passes] = head!.split(',').map(Number) as [number, number, number, number, number];
    return {
      col, row, state: CELL_STATES[state]!.state, fails, passes,
      points: pts.map((p) => ({ id: prefix + p.slice(0, p.lastIndexOf(':')), outcome: HIT_OUTCOMES[Number(p.slice(p.lastIndexOf(':') + 1))] })),
    };
  });
  return { count: Number(attr('count')), cells, cw: Number(attr('cw')), ch: Number(attr('ch')), rows: attr('rows').split('|'), cols: attr('cols').split('|') };
}

test.runIf(required)('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

describe('data hit layer in memory', () => {
  const points: ShmooPoint[] = gridPoints(axes).map((point, i) => ({ id: `${RUN_ID}-s${String(i).padStart(4, '0')}`, outcome: outcomeAt(point.vcore_mv!, point.freq_mhz!), point }));
  points.push({ id: `${RUN_ID}-s9999`, outcome: 'passed', point: { vcore_mv: 750, freq_mhz: 1100 } });
  const judged = () => judgeShmoo(placeSubruns(axes, points), null);
  const [data] = layoutShmoo(judged(), 'freq_mhz', 'vcore_mv', 'data');
  const [elements] = layoutShmoo(judged(), 'freq_mhz', 'vcore_mv', 'elements');

  test('no element per cell; every cell listed once with its state and sub-runs', () => {
    const svg = data!.compact!;
    expect(VOLTS.length * FREQS.length).toBeGreaterThan(COMPACT_CELLS);
    expect(svg).not.toContain('shmoo-cell');
    expect(svg).not.toContain('<title>');
    const layer = readHitLayer(svg);
    expect(layer.count).toBe(VOLTS.length * FREQS.length);
    expect(layer.cells.length).toBe(layer.count);
    expect(new Set(layer.cells.map((c) => `${c.row},${c.col}`)).size).toBe(layer.count);
    expect(layer.rows).toEqual(VOLTS.map(String));
    expect(layer.cols).toEqual(FREQS.map(String));
    // The repeated point holds both sub-runs: flaky, failed 1 of 2.
    const flaky = layer.cells.find((c) => c.state === 'flaky')!;
    expect([layer.rows[flaky.row], layer.cols[flaky.col]]).toEqual(['750', '1100']);
    expect(flaky).toMatchObject({ fails: 1, passes: 1 });
    expect(flaky.points.map((p) => p.outcome)).toEqual(['failed', 'passed']);
    expect(flaky.points[1]!.id).toBe(`${RUN_ID}-s9999`);
    const planned = layer.cells.find((c) => c.state === 'untested')!;
    expect(planned.points).toEqual([{ id: points.find((p) => p.outcome === 'planned')!.id, outcome: 'planned' }]);
    for (const state of ['fail', 'marginal', 'pass', 'error'] as const) {
      const expected = judged().panels[0]!.cells.filter((c) => c.state === state).length;
      expect(layer.cells.filter((c) => c.state === state).length, state).toBe(expected);
    }
  });

  test('the drawing is the same as with hit rectangles (the report)', () => {
    const drawing = (svg: string) => svg.slice(0, svg.search(/<g class="(shmoo-)?hits"/));
    expect(drawing(data!.compact!)).toBe(drawing(elements!.compact!));
    expect(drawing(data!.compact!)).toMatch(/<g class="st-fail" data-fill="fail"><path class="bg" d="[^"]+"\/><path class="mark"/);
  });

  test('a small panel is still drawn cell by cell', () => {
    const few = placeSubruns([{ name: 'vcore_mv', values: VOLTS.slice(0, 2) }, axes[1]!], points.filter((p) => p.point.vcore_mv! < VOLTS[2]!));
    const [small] = layoutShmoo(judgeShmoo(few, null), 'freq_mhz', 'vcore_mv', 'data');
    expect(small!.compact).toBeNull();
    expect(small!.cells.length).toBe(96);
  });
});

describe.skipIf(!hasChromium)('a large shmoo on the dashboard in headless Chromium', () => {
  let ws: TestWorkspace;
  let serve: ServeProcess;
  let browser: Browser;
  let subrunIds: string[];

  beforeAll(async () => {
    ws = createWorkspace();
    const subruns: SubrunSpec[] = gridPoints(axes).map((point) => {
      const outcome = outcomeAt(point.vcore_mv!, point.freq_mhz!);
      if (outcome === 'planned') return { point, status: 'planned', steps: [] };
      if (outcome === 'error') return { point, status: 'failed', steps: [{ status: 'error' }] };
      return { point, status: outcome, steps: [{ status: outcome === 'failed' ? 'failed' : 'passed' }] };
    });
    subrunIds = (await writeRun(ws.root, { runId: RUN_ID, axes, subruns })).subrunIds;
    serve = await startServe(ws);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (serve && serve.proc.child.exitCode === null) serve.proc.child.kill('SIGKILL');
    ws?.dispose();
  });

  test('hover shows a cell, a click opens its sub-run, screenshot saved', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${serve.url}runs/${RUN_ID}`);
    const hits = page.locator('#shmoo .shmoo-hits');
    await hits.waitFor({ state: 'attached', timeout: 30_000 });
    expect(await hits.getAttribute('data-count')).toBe(String(subrunIds.length));
    expect(await page.locator('#shmoo .shmoo-cell').count()).toBe(0);
    // The fail cell at 700 mV, 1100 MHz: its place on screen from the panel's geometry.
    const geometry = await hits.evaluate((g) => ({ ...(g as HTMLElement).dataset }));
    const col = FREQS.indexOf(1100);
    const row = VOLTS.indexOf(700);
    const cell = page.locator('#shmoo svg[role="img"]').first();
    await cell.scrollIntoViewIfNeeded();
    const x = Number(geometry.left) + col * Number(geometry.cw) + Number(geometry.cw) / 2;
    const y = Number(geometry.top) + (VOLTS.length - 1 - row) * Number(geometry.ch) + Number(geometry.ch) / 2;
    await cell.hover({ position: { x, y } });
    const tip = page.locator('.shmoo-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const expectedId = subrunIds[row * FREQS.length + col]!;
    expect(await tip.textContent()).toBe(`vcore_mv=700, freq_mhz=1100 — fail\n${expectedId}: failed`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, '.gitignore'), '*\n');
    await page.locator('#shmoo .shmoo-scroll').screenshot({ path: join(ARTIFACTS, 'serve-shmoo-large.png') });
    await cell.click({ position: { x, y } });
    await page.waitForURL((url) => url.searchParams.get('subrun') === expectedId);
    await expect.poll(() => page.locator('#step-table tr.step').count()).toBe(1);
    expect(await page.locator('#step-table tr.step td.mono').first().textContent()).toBe(expectedId);
    expect(errors).toEqual([]);
  }, 60_000);
});
