// `export --format csv` and `report` of a synthetic finished run of 100,000 steps
// (25,000 sub-runs × 4 steps; quick: 2,500 × 4), through the CLI.

import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { measureCli } from '../lib/cli.mjs';
import { makeRow } from '../lib/rows.mjs';
import { medianOf, runInterleaved } from '../lib/stats.mjs';
import { RUN_ID, writeSyntheticRun } from '../lib/syntheticRun.mjs';
import { makeTempDir } from '../lib/workspaces.mjs';

function countLines(file) {
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Rows for exports and reports at scale. */
export async function benchReportScale({ quick, log }) {
  const [subruns, stepsPer] = quick ? [2500, 4] : [25000, 4];
  const steps = subruns * stepsPer;
  const reps = quick ? 1 : 3;
  const root = makeTempDir('report');
  try {
    const info = writeSyntheticRun(root, subruns, stepsPer);
    log(`export/report: synthetic run of ${steps} steps (steps.ldjson ${(info.ldjsonBytes / 1048576).toFixed(0)} MiB), ${reps} repetitions`);
    const csv = join(root, 'export.csv');
    const res = await runInterleaved({
      export: async (rep) => {
        const r = await measureCli('road_runner export --format csv', ['export', '--run', RUN_ID, '--format', 'csv', '--out', csv, '--root', root], { cwd: root });
        // CSV fields here hold no newlines: one header line and one line per step.
        if (rep === 0 && countLines(csv) !== steps + 1) throw new Error(`export wrote ${countLines(csv) - 1} rows, expected ${steps}`);
        rmSync(csv, { force: true });
        return r;
      },
      report: async (rep) => {
        const r = await measureCli('road_runner report', ['report', '--run-id', RUN_ID, '--root', root], { cwd: root });
        if (rep === 0 && statSync(join(root, 'runs', RUN_ID, 'report.html')).size === 0) throw new Error('report.html is empty');
        return r;
      },
    }, reps);
    const label = `${steps.toLocaleString('en-US')}-step run`;
    const htmlMib = (statSync(join(root, 'runs', RUN_ID, 'report.html')).size / 1048576).toFixed(1);
    const rows = [];
    for (const [name, what, note] of [['export', `\`export --format csv\` of a ${label}`, null], ['report', `\`report\` of a ${label}`, `report.html ${htmlMib} MiB`]]) {
      rows.push(makeRow({ id: `${name}_scale.wall`, what, value: medianOf(res[name], 'ms'), unit: 'ms', target: { on: 'value', max: 5000, strict: true }, note, samples: { value: res[name].map((r) => r.ms) } }));
      rows.push(makeRow({ id: `${name}_scale.rss`, what: `${what}, peak RSS`, value: medianOf(res[name], 'peakKib') / 1024, unit: 'MiB', target: { on: 'value', max: 250, strict: true }, samples: { value: res[name].map((r) => r.peakKib / 1024) } }));
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
