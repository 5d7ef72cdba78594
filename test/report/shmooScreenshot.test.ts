// The redesigned shmoo in a real browser: a small grid and a 64 × 16 search run (hand-built
// boundary.json) render with their legend, boundary line, curve and cell links, make no
// network request, and are kept as screenshots in test/artifacts/ (shmoo-small.png,
// shmoo-64x16.png) for a person to look at. Needs Debian's chromium at /usr/bin/chromium.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderReports } from '../../src/report/render.js';
import { gridPoints, makeWorkspace, removeWorkspace, writeRun, type SubrunSpec } from './builders.js';
import { part64x16, writeSearchRun } from './searchFixture.js';
import type { BoundaryFile } from '../../src/search/types.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';

test.runIf(required)('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

/** A 9 × 3 grid with every state: flaky (repeated point), marginal, error, untested, plus its boundary.json. */
export async function writeSmallGrid(root: string, runId = 'rr-20240131T120000Z-5a11d0'): Promise<{ htmlDir: string; runId: string }> {
  const axes = [
    { name: 'vcore_mv', values: [800, 825, 850, 875, 900, 925, 950, 975, 1000] },
    { name: 'freq_mhz', values: [2000, 2400, 2800] },
  ];
  const vmin: Record<number, number> = { 2000: 825, 2400: 875, 2800: 925 };
  const subruns: SubrunSpec[] = [];
  for (const point of gridPoints(axes)) {
    const v = point.vcore_mv!;
    const f = point.freq_mhz!;
    if (v === 1000 && f === 2800) subruns.push({ point, status: 'planned', steps: [] });
    else if (v === 975 && f === 2400) subruns.push({ point, status: 'failed', steps: [{ status: 'error' }] });
    else if (v === vmin[f]) {
      subruns.push({ point, status: 'passed', steps: [{ status: 'passed' }] });
      subruns.push({ point, status: 'failed', steps: [{ status: 'failed' }] });
      subruns.push({ point, status: 'failed', steps: [{ status: 'failed' }] });
    } else if (v === vmin[f]! + 25) subruns.push({ point, status: 'marginal', steps: [{ status: 'passed' }] });
    else if (v < vmin[f]!) subruns.push({ point, status: 'failed', steps: [{ status: 'failed' }] });
    else subruns.push({ point, status: 'passed', steps: [{ status: 'passed' }] });
  }
  const run = await writeRun(root, { runId, axes, subruns });
  const boundary: BoundaryFile = {
    format: 'road_runner.boundary/1', run_id: runId, rail: 'vcore_mv', direction: 'down', strategy: 'grid', resolution: 25, guard_band: 20,
    columns: axes[1]!.values.map((f) => ({
      axes: { freq_mhz: f }, raw: vmin[f]! + 25, confirmed: vmin[f]! + 25, guard_banded: vmin[f]! + 45, last_pass: vmin[f]! + 25, first_fail: vmin[f]!,
      probes: 11, points: [{ value: vmin[f]!, verdict: 'flaky' as const, passes: 1, fails: 2 }], flaky: [vmin[f]!], holes: [],
    })),
  };
  await writeFile(join(run.dir, 'boundary.json'), JSON.stringify(boundary));
  return { htmlDir: run.dir, runId };
}

describe.skipIf(!hasChromium)('shmoo in headless Chromium', () => {
  let root: string;
  let smallHtml: string;
  let bigHtml: string;
  let bigColumns: number;

  beforeAll(async () => {
    root = await makeWorkspace();
    const small = await writeSmallGrid(root);
    smallHtml = (await renderReports(root, small.runId)).html;
    const big = await writeSearchRun(root, part64x16(), 'rr-20240131T130000Z-b16b16');
    bigColumns = big.boundary.columns.length;
    bigHtml = (await renderReports(root, big.runId)).html;
  });

  afterAll(async () => {
    await removeWorkspace(root);
  });

  test('legend, boundary line, curve and links render; no request; screenshots saved', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(join(ARTIFACTS, '.gitignore'), '*\n');
      for (const [name, html] of [['shmoo-small', smallHtml], ['shmoo-64x16', bigHtml]] as const) {
        const page = await browser.newPage({ viewport: { width: 1100, height: name === 'shmoo-small' ? 1000 : 1560 } });
        const fileUrl = pathToFileURL(html).href;
        const requests: string[] = [];
        page.on('request', (request) => {
          const url = request.url();
          if (url !== fileUrl && !url.startsWith('data:')) requests.push(url);
        });
        await page.goto(fileUrl, { waitUntil: 'load' });
        expect(await page.locator('.shmoo-legend .legend-state[data-state="pass"]').count()).toBe(1);
        expect(await page.locator('.shmoo-legend .legend-state[data-state="fail"]').count()).toBe(1);
        expect(await page.locator('.shmoo-legend .legend-boundary').count()).toBeGreaterThan(0);
        const edge = page.locator('svg .boundary path.edge').first();
        expect(await edge.count()).toBe(1);
        const box = await edge.boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(100);
        expect(await page.locator('svg .curve-point').count()).toBeGreaterThan(0);
        // A tested cell links to its sub-run's row, and following the link lands on that row.
        const link = page.locator('a:has(.shmoo-cell[data-state="fail"])').first();
        const href = await link.getAttribute('href');
        expect(href).toMatch(/^#subrun-rr-/);
        expect(await page.locator(`tr[id="${href!.slice(1)}"]`).count()).toBe(1);
        expect(requests).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
        if (name === 'shmoo-small') {
          expect(await page.locator('.shmoo-cell[data-state="flaky"] text.glyph').first().textContent()).toBe('2/3');
          // The planned point that never ran lies above the last pass: a pass the boundary implies.
          expect(await page.locator('.shmoo-cell[data-state="inferred-pass"]').count()).toBe(1);
          expect(await page.locator('.shmoo-cell[data-state="error"]').count()).toBe(1);
          expect(await page.locator('.shmoo-cell[data-state="marginal"]').count()).toBe(3);
        } else {
          // 64 × 16: every lattice point has a cell (tested or inferred), and cells keep a legible size.
          expect(await page.locator('.shmoo-cell').count()).toBe(64 * bigColumns);
          const cell = await page.locator('.shmoo-cell .bg').first().boundingBox();
          expect(cell!.height).toBeGreaterThanOrEqual(9);
          expect(await page.locator('.shmoo-cell[data-state="inferred-pass"]').count()).toBeGreaterThan(0);
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
