// Large shmoo panels (more than COMPACT_CELLS cells) are written as compact SVG: one path per
// state and kind of mark, then one transparent hit rectangle per cell with its link and hover
// text. In memory: the same cells, states, marks and links as the element-by-element drawing.
// In headless Chromium (Debian's /usr/bin/chromium): a 50 × 48 grid's report renders, every
// sub-run has a cell, a fail cell links to its row, and a screenshot is kept in
// test/artifacts/shmoo-compact.png for a person to look at.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderReports } from '../../src/report/render.js';
import { judgeShmoo } from '../../src/report/shmooCells.js';
import { placeSubruns, type ShmooPoint } from '../../src/report/shmooGrid.js';
import { COMPACT_CELLS, layoutShmoo } from '../../src/report/shmooSvg.js';
import { gridPoints, makeWorkspace, removeWorkspace, writeRun, type SubrunSpec } from './builders.js';
import { FREQS, LARGE_AXES, outcomeAt, VOLTS } from './largeGrid.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';

const axes = LARGE_AXES;

test.runIf(required)('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

describe('compact drawing in memory', () => {
  const points: ShmooPoint[] = gridPoints(axes).map((point, i) => ({ id: `rr-x-s${i}`, outcome: outcomeAt(point.vcore_mv!, point.freq_mhz!), point }));
  points.push({ id: 'rr-x-flaky', outcome: 'passed', point: { vcore_mv: 750, freq_mhz: 1100 } });
  const cellCount = VOLTS.length * FREQS.length;
  const [panel] = layoutShmoo(judgeShmoo(placeSubruns(axes, points), null), 'freq_mhz', 'vcore_mv');

  test('a large panel has compact SVG instead of cell objects', () => {
    expect(cellCount).toBeGreaterThan(COMPACT_CELLS);
    expect(panel!.cells).toEqual([]);
    expect(panel!.compact).not.toBeNull();
  });

  test('one hit rectangle per cell, with state, outcome, sub-run, link and hover text', () => {
    const svg = panel!.compact!;
    expect(svg.match(/<rect class="shmoo-cell hit"/g)?.length).toBe(cellCount);
    expect(svg.match(/data-state="fail"/g)?.length).toBe(points.filter((p) => p.outcome === 'failed').length - 1); // one failed point is flaky
    // The one planned point that never ran has no link; every other cell links to its first sub-run.
    expect(svg.match(/<a href="#subrun-rr-x-s\d+">/g)?.length).toBe(cellCount - 1);
    expect(svg).toContain('data-state="untested" data-outcome="planned"');
    expect(svg).toMatch(/<a href="#subrun-rr-x-s\d+"><rect class="shmoo-cell hit" data-state="flaky" data-outcome="failed" data-subrun="rr-x-s\d+"[^>]*><title>vcore_mv=750, freq_mhz=1100 — flaky: failed 1 of 2\n/);
  });

  test('one path per state and kind of mark: shapes, not colour alone', () => {
    const svg = panel!.compact!;
    const group = (state: string) => svg.match(new RegExp(`<g class="st-${state}" data-fill="${state}">(.*?)</g>`))?.[1] ?? '';
    expect(group('fail')).toMatch(/^<path class="bg" d="[^"]+"\/><path class="mark" d="[^"]+"\/>$/);
    expect(group('marginal')).toMatch(/^<path class="bg" d="[^"]+"\/><path class="dot" d="[^"]+"\/>$/);
    expect(group('flaky')).toMatch(/^<path class="bg" d="[^"]+"\/><path class="split" d="[^"]+"\/>$/);
    expect(group('error')).toMatch(/<path class="mark"/);
    expect(group('untested')).toMatch(/^<path class="bg"/);
    // Every fill path holds one closed rectangle per cell of its state.
    const rects = [...svg.matchAll(/<path class="bg" d="([^"]+)"/g)].reduce((n, m) => n + (m[1]!.match(/z/g)?.length ?? 0), 0);
    expect(rects).toBe(cellCount);
  });

  test('a small panel is still drawn cell by cell', () => {
    const two = [{ name: 'vcore_mv', values: VOLTS.slice(0, 2) }, axes[1]!];
    const few = placeSubruns(two, points.filter((p) => p.point.vcore_mv! < VOLTS[2]!));
    const [small] = layoutShmoo(judgeShmoo(few, null), 'freq_mhz', 'vcore_mv');
    expect(small!.compact).toBeNull();
    expect(small!.cells.length).toBe(96);
  });
});

describe.skipIf(!hasChromium)('compact shmoo in headless Chromium', () => {
  let root: string;
  let html: string;
  let subrunCount: number;

  beforeAll(async () => {
    root = await makeWorkspace();
    const subruns: SubrunSpec[] = gridPoints(axes).map((point) => {
      const outcome = outcomeAt(point.vcore_mv!, point.freq_mhz!);
      if (outcome === 'planned') return { point, status: 'planned', steps: [] };
      if (outcome === 'error') return { point, status: 'failed', steps: [{ status: 'error' }] };
      return { point, status: outcome, steps: [{ status: outcome === 'failed' ? 'failed' : 'passed' }] };
    });
    subrunCount = subruns.length;
    const run = await writeRun(root, { runId: 'rr-20240131T140000Z-c0c0c0', axes, subruns });
    html = (await renderReports(root, run.runId)).html;
  }, 60_000);

  afterAll(async () => {
    await removeWorkspace(root);
  });

  test('every sub-run has a cell, links land on their rows, screenshot saved', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      expect(await page.locator('.shmoo-cell').count()).toBe(subrunCount);
      expect(await page.locator('.shmoo-cell[data-state="marginal"]').count()).toBeGreaterThan(0);
      const link = page.locator('a:has(.shmoo-cell[data-state="fail"])').first();
      const href = await link.getAttribute('href');
      expect(href).toMatch(/^#subrun-rr-/);
      expect(await page.locator(`tr[id="${href!.slice(1)}"]`).count()).toBe(1);
      // The hit rectangle is what the pointer meets: clicking a cell follows its link.
      const hit = page.locator('.shmoo-cell[data-state="fail"]').first();
      await hit.scrollIntoViewIfNeeded();
      const box = await hit.boundingBox();
      expect(box!.width).toBeGreaterThanOrEqual(10);
      const target = await page.locator('.shmoo-cell[data-state="fail"]').first().evaluate((el) => el.parentElement!.getAttribute('href'));
      await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
      await page.waitForFunction((h) => location.hash === h, target);
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(join(ARTIFACTS, '.gitignore'), '*\n');
      await page.locator('.shmoo-scroll').screenshot({ path: join(ARTIFACTS, 'shmoo-compact.png') });
    } finally {
      await browser.close();
    }
  });
});
