// A real browser opens report.html: the shmoo has one cell per sub-run, the page makes no
// network request at all, and a screenshot is kept in test/artifacts/report.png.
// Needs Debian's chromium at /usr/bin/chromium (never downloads a browser); skipped without it.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderReports } from '../../src/report/render.js';
import { gridPoints, makeWorkspace, removeWorkspace, RUN_ID, writeRun, type SubrunSpec } from './builders.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

// CI installs chromium and sets REQUIRE_SYSTEM_TOOLS=1: there a missing browser is a failure.
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
if (!hasChromium && !required) {
  console.warn(`browser.test.ts skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);
}

test.runIf(required)('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let root: string;
  let htmlPath: string;
  let subrunCount: number;

  beforeAll(async () => {
    root = await makeWorkspace();
    const axes = [
      { name: 'vcore_mv', values: [800, 825, 850, 875, 900, 925, 950, 975, 1000] },
      { name: 'freq_mhz', values: [2000, 2400, 2800] },
    ];
    const vmin: Record<number, number> = { 2000: 800, 2400: 850, 2800: 900 };
    const subruns: SubrunSpec[] = gridPoints(axes).map((point, i) => {
      const v = point.vcore_mv!;
      const f = point.freq_mhz!;
      if (i === 26) return { point, status: 'planned', steps: [] };
      if (i === 25) return { point, status: 'interrupted', steps: [{ status: 'interrupted' }] };
      if (v < vmin[f]!) return { point, status: 'failed', steps: [{ status: 'passed' }, { status: 'failed', stderr: 'MISCOMPARE at 0x1000\n<script>alert(1)</script>\n' }] };
      if (v === vmin[f]!) return { point, status: 'failed', steps: [{ status: 'timeout' }] };
      return { point, status: 'passed', steps: [{ status: 'passed', metrics: { gflops: 12.5 } }, { status: 'passed' }] };
    });
    subrunCount = subruns.length;
    await writeRun(root, { axes, subruns });
    htmlPath = (await renderReports(root, RUN_ID)).html;
  });

  afterAll(async () => {
    await removeWorkspace(root);
  });

  test('one shmoo cell per sub-run, zero network requests, screenshot saved', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const fileUrl = pathToFileURL(htmlPath).href;
      const requests: string[] = [];
      page.on('request', (request) => {
        const url = request.url();
        if (url !== fileUrl && !url.startsWith('data:')) requests.push(url);
      });
      const dialogs: string[] = [];
      page.on('dialog', async (dialog) => {
        dialogs.push(dialog.message());
        await dialog.dismiss();
      });
      await page.goto(fileUrl, { waitUntil: 'load' });
      expect(await page.locator('.shmoo-cell').count()).toBe(subrunCount);
      expect(await page.locator('.shmoo-cell[data-outcome="timeout"]').count()).toBe(3);
      expect(await page.locator('.shmoo-cell[data-outcome="planned"]').count()).toBe(1);
      // The cell's hover text names its sub-run.
      expect(await page.locator(`.shmoo-cell[data-subrun="${RUN_ID}-s01"] title`).textContent()).toContain(`${RUN_ID}-s01`);
      // The diagnostic's <script> is text on the page, not a script that ran.
      expect(await page.locator('pre.log', { hasText: '<script>alert(1)</script>' }).count()).toBeGreaterThan(0);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([]);
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(join(ARTIFACTS, '.gitignore'), '*\n');
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: false });
      expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
