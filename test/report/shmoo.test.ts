// The shmoo in report.html and report.md: one cell per point, with its state (colour and
// mark) and its recorded outcome, for a grid, a zip (one-axis strip), a three-axis sweep
// (panels) and nothing swept (one cell).

import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { renderReports } from '../../src/report/render.js';
import { gridPoints, makeWorkspace, removeWorkspace, RUN_ID, writeRun, type SubrunSpec } from './builders.js';

let root: string;
beforeEach(async () => {
  root = await makeWorkspace();
});
afterEach(async () => {
  await removeWorkspace(root);
});

function countCells(html: string, outcome?: string): number {
  const re = outcome ? new RegExp(`data-outcome="${outcome}"`, 'g') : /class="shmoo-cell /g;
  return html.match(re)?.length ?? 0;
}

function countPanels(html: string): number {
  return html.match(/<figure class="panel">/g)?.length ?? 0;
}

async function render(): Promise<{ html: string; md: string }> {
  const r = await renderReports(root, RUN_ID);
  expect(r.problems).toEqual([]);
  return { html: await readFile(r.html, 'utf8'), md: await readFile(r.md, 'utf8') };
}

describe('shmoo', () => {
  test('grid over two rails: every outcome gets its own cells, axes and values are labelled', async () => {
    const axes = [{ name: 'vcore_mv', values: [900, 950, 1000] }, { name: 'freq_mhz', values: [2000, 2400, 2800] }];
    const kinds: SubrunSpec[] = [
      { point: {}, status: 'passed', steps: [{ status: 'passed' }] },
      { point: {}, status: 'failed', steps: [{ status: 'passed' }, { status: 'failed' }] },
      { point: {}, status: 'failed', steps: [{ status: 'failed' }, { status: 'timeout' }] },
      { point: {}, status: 'failed', steps: [{ status: 'error' }] },
      { point: {}, status: 'crashed', steps: [{ status: 'passed', noEnd: true }] },
      { point: {}, status: 'interrupted', steps: [{ status: 'interrupted' }] },
      { point: {}, status: 'aborted', steps: [] },
      { point: {}, status: 'planned', steps: [] },
      { point: {}, status: 'passed', steps: [{ status: 'passed' }] },
    ];
    const subruns = gridPoints(axes).map((point, i) => ({ ...kinds[i]!, point }));
    await writeRun(root, { axes, subruns });
    const { html, md } = await render();
    expect(countCells(html)).toBe(9);
    expect(countPanels(html)).toBe(1);
    const expected = { passed: 2, failed: 1, timeout: 1, error: 1, crashed: 1, interrupted: 1, aborted: 1, planned: 1 };
    for (const [outcome, n] of Object.entries(expected)) expect(countCells(html, outcome), outcome).toBe(n);
    for (const label of ['vcore_mv', 'freq_mhz', '>900<', '>1000<', '>2000<', '>2800<']) expect(html).toContain(label);
    expect(html).toContain(`data-subrun="${RUN_ID}-s03"`);
    expect(html).toMatch(new RegExp(`<title>vcore_mv=900, freq_mhz=2800 — fail\n${RUN_ID}-s02: timeout</title>`));
    // States: timeout and crashed are fails of their point; error, interrupted and aborted could not judge it.
    const states = { pass: 2, fail: 3, error: 3, untested: 1 };
    for (const [state, n] of Object.entries(states)) expect(html.match(new RegExp(`class="shmoo-cell st-${state}"`, 'g'))?.length ?? 0, state).toBe(n);
    // Text grid: highest voltage on top, one character per point.
    const grid = md.slice(md.indexOf('<pre>'), md.indexOf('</pre>'));
    expect(grid).toMatch(/1000 \| +E +· +P *\n/);
    expect(grid).toMatch(/ 950 \| +E +F +E *\n/);
    expect(grid).toMatch(/ 900 \| +P +F +F *\n/);
  });

  test('zip of one axis: a strip of cells', async () => {
    const axes = [{ name: 'vcore_mv', values: [850, 900, 950, 1000] }];
    const subruns: SubrunSpec[] = axes[0]!.values.map((v, i) => ({ point: { vcore_mv: v }, status: i === 0 ? 'failed' : 'passed', steps: [{ status: i === 0 ? 'failed' : 'passed' }] }));
    await writeRun(root, { axes, subruns });
    const { html, md } = await render();
    expect(countCells(html)).toBe(4);
    expect(countCells(html, 'failed')).toBe(1);
    expect(countPanels(html)).toBe(1);
    // All cells in one row: same y.
    const ys = new Set([...html.matchAll(/class="shmoo-cell [^>]*><title>[^<]*<\/title><rect class="bg" x="[^"]*" y="([^"]*)"/g)].map((m) => m[1]));
    expect(ys.size).toBe(1);
    expect(md).toMatch(/\| +F +P +P +P/);
  });

  test('three axes: one panel per value of the third', async () => {
    const axes = [{ name: 'vcore_mv', values: [900, 1000] }, { name: 'freq_mhz', values: [2000, 2400] }, { name: 'mem-test:vddq_mv', values: [1150, 1200, 1250] }];
    const subruns: SubrunSpec[] = gridPoints(axes).map((point) => ({ point, status: point['mem-test:vddq_mv'] === 1150 ? 'failed' : 'passed', steps: [{ status: point['mem-test:vddq_mv'] === 1150 ? 'failed' : 'passed' }] }));
    await writeRun(root, { axes, subruns });
    const { html, md } = await render();
    expect(countCells(html)).toBe(12);
    expect(countPanels(html)).toBe(3);
    expect(countCells(html, 'failed')).toBe(4);
    for (const v of [1150, 1200, 1250]) {
      expect(html).toContain(`<figcaption>mem-test:vddq_mv = ${v}</figcaption>`);
      expect(md).toContain(`**mem-test:vddq_mv = ${v}**`);
    }
  });

  test('nothing swept: a single cell', async () => {
    await writeRun(root, { axes: [], subruns: [{ point: {}, status: 'passed', steps: [{ status: 'passed' }] }] });
    const { html, md } = await render();
    expect(countCells(html)).toBe(1);
    expect(countCells(html, 'passed')).toBe(1);
    expect(html).toContain('nothing swept');
    expect(md).toContain('nothing swept');
  });

  test('without plan.json the axes come from the sub-runs\' points (and the missing plan is a problem)', async () => {
    const axes = [{ name: 'vcore_mv', values: [900, 1000] }, { name: 'freq_mhz', values: [2000, 2400] }];
    await writeRun(root, { axes, subruns: gridPoints(axes).map((point) => ({ point, status: 'passed', steps: [{ status: 'passed' }] })), omit: ['plan'] });
    const r = await renderReports(root, RUN_ID);
    expect(r.problems.join('\n')).toMatch(/plan of run .* not found/);
    const html = await readFile(r.html, 'utf8');
    expect(countCells(html)).toBe(4);
    expect(html).toContain('freq_mhz (horizontal)');
  });
});
