// Whatever a diagnostic prints reaches the reports as text: a <script> in a stderr tail, in a
// metric string or in an error message is escaped in report.html and report.md.

import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { renderReports } from '../../src/report/render.js';
import { makeWorkspace, removeWorkspace, RUN_ID, writeRun } from './builders.js';

let root: string;
beforeEach(async () => {
  root = await makeWorkspace();
});
afterEach(async () => {
  await removeWorkspace(root);
});

test('<script> printed by a diagnostic is escaped in both reports', async () => {
  await writeRun(root, {
    axes: [],
    subruns: [{
      point: {}, status: 'failed', steps: [{
        status: 'failed',
        metrics: { banner: '<script>alert("metric")</script>', gflops: 3.5 },
        error: 'stdout matched <img src=x onerror=alert(1)>',
        stderr: 'first\n<script>alert("stderr")</script>\n',
        stdout: 'a | b ` c\n<b>bold</b>\n',
      }],
    }],
  });
  const r = await renderReports(root, RUN_ID);
  const html = await readFile(r.html, 'utf8');
  const md = await readFile(r.md, 'utf8');
  for (const text of [html, md]) {
    expect(text).not.toMatch(/<script/i);
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<b>bold');
    expect(text).toContain('&lt;script&gt;alert(&quot;stderr&quot;)&lt;/script&gt;');
    expect(text).toContain('&lt;script&gt;alert(&quot;metric&quot;)&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  }
  // A pipe inside a Markdown table cell does not split the cell.
  expect(md).not.toMatch(/\| a \| b/);
});
