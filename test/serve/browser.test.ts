// The dashboard end to end in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): a real `road_runner serve` over a workspace where one run has finished and
// a second, slow one (≈0.7 s a step) is going on. The runs list shows both; the running run's
// page counts steps and fills its shmoo in as steps end (DOM changes, no reload); a step's log
// shows the diagnostic's hostile output as text, and no script of it runs; two runs compare.
// A screenshot of the run page goes to docs/images/serve-run.png.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { CliProcess, TestWorkspace } from '../run/workspace.js';
import { createServeWorkspace, HOSTILE, startServe, type ServeProcess } from './serveHelpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const required = process.env.REQUIRE_SYSTEM_TOOLS === '1';
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/serve-run.png', import.meta.url));
if (!hasChromium && !required) console.warn(`serve browser.test.ts skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

test.runIf(required)('chromium is installed where system tools are required', () => {
  expect(hasChromium, `REQUIRE_SYSTEM_TOOLS=1 but ${CHROMIUM} is absent`).toBe(true);
});

describe.skipIf(!hasChromium)('road_runner serve in headless Chromium', () => {
  let ws: TestWorkspace & { setSlow: (s: number, t: number) => void };
  let serve: ServeProcess;
  let live: CliProcess;
  let browser: Browser;
  let page: Page;
  let runA: string;
  let runB: string;
  const offsite: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    ws = createServeWorkspace();
    const first = await ws.run('shmoo', 'grid');
    expect(first.code, first.stderr).toBe(1);
    runA = path.basename(ws.onlyRun());
    serve = await startServe(ws);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('request', (r) => {
      if (!r.url().startsWith(serve.url) && !r.url().startsWith('data:')) offsite.push(r.url());
    });
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    // The second run: slow, and failing at 900 mV too.
    ws.setSlow(0.7, 950);
    live = ws.startRun('shmoo', 'grid');
    const deadline = Date.now() + 30_000;
    while (ws.runFolders().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    runB = path.basename(ws.runFolders()[1]!);
  });

  afterAll(async () => {
    await browser?.close();
    if (live && live.child.exitCode === null) live.child.kill('SIGKILL');
    if (serve && serve.proc.child.exitCode === null) serve.proc.child.kill('SIGKILL');
    ws?.dispose();
  });

  test('runs list, a live run page filling in, a step log, a compare view', async () => {
    await page.goto(serve.url);
    await expect.poll(() => page.locator('#runs tr[data-run]').count()).toBe(2);
    expect(await page.locator(`#runs tr[data-run="${runA}"] .status`).textContent()).toBe('failed');

    await page.click(`a[href="/runs/${runB}"]`);
    await page.waitForSelector('#shmoo .shmoo-cell');
    expect(await page.locator('#run').getAttribute('data-live')).toBe('true');
    expect(await page.locator('#shmoo .shmoo-cell').count()).toBe(6);
    const tested = () => page.locator('#shmoo .shmoo-cell:not([data-outcome="planned"])').count();
    const done = async () => Number(await page.locator('#steps-done').textContent());
    await expect.poll(done, { timeout: 20_000 }).not.toBeNaN(); // counted once the logs are read (first event)
    const steps0 = await done();
    const tested0 = await tested();
    expect(steps0).toBeLessThan(6);
    // Steps end while we watch: the count and the shmoo change on the page itself.
    await expect.poll(done, { timeout: 20_000 }).toBeGreaterThan(steps0);
    await expect.poll(tested, { timeout: 20_000 }).toBeGreaterThan(tested0);
    expect(await page.locator('#recent tbody tr').count()).toBeGreaterThan(0);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The run ends: the page is drawn again from the final summary.
    const ended = await live.done;
    expect(ended.code, ended.stderr).toBe(1);
    await expect.poll(() => page.locator('#run-status').textContent(), { timeout: 20_000 }).toBe('failed');
    expect(await page.locator('#run').getAttribute('data-live')).toBe('false');
    await page.waitForSelector('#shmoo .shmoo-cell');
    expect(await page.locator('#shmoo .shmoo-cell[data-outcome="failed"]').count()).toBe(4);
    expect(await page.locator('#shmoo .shmoo-cell[data-outcome="passed"]').count()).toBe(2);
    expect(await page.locator('#step-table tr.step').count()).toBe(6);

    // A step's log: the hostile lines are text, and nothing of them ran.
    await page.locator('#step-table tr.step[data-status="failed"] a.log-link').first().click();
    await page.waitForSelector('#log-stdout');
    expect(await page.locator('#log-stdout').textContent()).toContain(HOSTILE);
    expect(await page.locator('#log-stderr').textContent()).toContain(`${HOSTILE} on stderr`);
    expect(await page.locator('#log-stdout script').count()).toBe(0);
    expect(await page.locator('#log-stdout img').count()).toBe(0);

    // Compare A (threshold 900) with B (threshold 950): the 900 mV points changed, at both frequencies.
    await page.goto(serve.url);
    await page.selectOption('select[name="a"]', runA);
    await page.selectOption('select[name="b"]', runB);
    await page.click('#compare button');
    await page.waitForSelector('#compare-summary');
    expect(await page.locator('#changed-count').textContent()).toBe('2');
    expect(await page.locator('#changed tr').count()).toBe(3);

    expect(dialogs).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
