// fleet report from in-memory rows: newest run per unit, drift against its previous run,
// quartiles and named outliers per column, escaping, and the lost/crashed jobs.
import { describe, expect, it } from 'vitest';
import { buildFleetReport, renderFleetHtml, renderFleetMarkdown, type BoundaryRow } from '../../src/fleet/fleetReport.js';

const row = (unit: string, run: string, at: string, column: string, value: number | null, flow = 'f'): BoundaryRow => ({
  unit, run_id: run, started_at: at, flow, margin: 'm', rail: 'vcore_mv', direction: 'down', column_key: column, raw: value, confirmed: value, guard_banded: value === null ? null : value + 20,
});

describe('fleet report', () => {
  const rows: BoundaryRow[] = [
    ...['A', 'B', 'C', 'D', 'E'].map((u, i) => row(u, `rr-${u}-2`, '2026-02-01', 'freq_mhz=2000', 800 + i * 5)),
    row('X<b>', 'rr-X-2', '2026-02-01', 'freq_mhz=2000', 900), // far off: an outlier, and a name to escape
    row('A', 'rr-A-1', '2026-01-01', 'freq_mhz=2000', 790), // A's earlier run: drift +10
    row('A', 'rr-A-2', '2026-02-01', 'freq_mhz=2400', 850),
    row('B', 'rr-B-9', '2026-03-01', 'freq_mhz=2000', 700, 'other-flow'), // filtered out by flow
  ];

  it('takes each unit\'s newest run, its drift, and the distribution per column', () => {
    const d = buildFleetReport(rows, [], { flow: 'f' });
    expect(d.columns).toEqual(['freq_mhz=2000', 'freq_mhz=2400']);
    expect(d.units.map((u) => [u.unit, u.run_id, u.values['freq_mhz=2000']])).toEqual([
      ['A', 'rr-A-2', 800], ['B', 'rr-B-2', 805], ['C', 'rr-C-2', 810], ['D', 'rr-D-2', 815], ['E', 'rr-E-2', 820], ['X<b>', 'rr-X-2', 900],
    ]);
    expect(d.units[0]!.drift['freq_mhz=2000']).toBe(10);
    expect(d.units[1]!.drift['freq_mhz=2000']).toBeNull();
    const s = d.stats[0]!;
    expect([s.n, s.min, s.median, s.max]).toEqual([6, 800, 812.5, 900]);
    expect(s.outliers).toEqual([{ unit: 'X<b>', value: 900 }]);
    expect(d.stats[1]!.n).toBe(1);
  });

  it('renders Markdown and a self-contained, escaped HTML page', () => {
    const d = buildFleetReport(rows, [{ job_id: 'j1', unit: 'C', host_id: 'h3', state: 'lost', detail: 'lost — rail state unknown', run_id: null }], { flow: 'f' });
    const md = renderFleetMarkdown(d);
    expect(md).toContain('| A | rr-A-2 | 800 (+10) | 850 |');
    expect(md).toMatch(/\| freq_mhz=2000 \| 6 \| 800 \| .* \| 900 \| X\\<b\\> \(900\) \|/);
    expect(md).toContain('- C on h3: job j1 lost — lost — rail state unknown');
    const html = renderFleetHtml(d);
    expect(html).toContain('X&lt;b&gt;');
    expect(html).not.toContain('X<b>');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('says so when nothing was uploaded', () => {
    const d = buildFleetReport([], []);
    expect(renderFleetMarkdown(d)).toContain('No boundary uploaded yet.');
    expect(renderFleetHtml(d)).toContain('No data.');
  });
});
