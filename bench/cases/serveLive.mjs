// `road_runner serve` over a 100,000-step run still going on (quick: 10,000): the run page's
// first byte and the time until it is usable (page, its script and styles, and the shmoo
// fragment the script fetches), the delay from a step_end written to the event log to the
// `progress` event a server-sent-events client receives, and serve's peak RSS meanwhile.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { makeRow } from '../lib/rows.mjs';
import { median } from '../lib/stats.mjs';
import { LIVE_RUN_ID, writeLiveRun } from '../lib/liveRun.mjs';
import { CLI, makeTempDir } from '../lib/workspaces.mjs';

function startServe(root) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /(http:\/\/\S+)\//.exec(out);
      if (m) resolve({ child, base: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

// GET path: ms to the first byte of the body, ms to its end, and the body.
function timedGet(base, path) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, (res) => {
      let first = null;
      const chunks = [];
      res.on('data', (c) => { first ??= performance.now() - t0; chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode, firstMs: first ?? performance.now() - t0, totalMs: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8') }));
    }).on('error', reject).end();
  });
}

function peakRssMib(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// Opens the run's event stream and resolves each `progress` event's step count with its arrival time.
function openEvents(base, onProgress) {
  const req = request(`${base}/runs/${LIVE_RUN_ID}/events`, (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (s) => {
      buffer += s;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: progress$/m.test(block) && data) onProgress(JSON.parse(data).steps, performance.now());
      }
    });
  });
  req.end();
  return () => req.destroy();
}

/** Rows for the dashboard at scale. */
export async function benchServe({ quick, log }) {
  const [subruns, stepsPer] = quick ? [2500, 4] : [25000, 4];
  const root = makeTempDir('serve');
  let serve = null;
  let run = null;
  try {
    run = await writeLiveRun(root, subruns, stepsPer);
    log(`serve: a live synthetic run of ${run.steps} steps (${subruns} sub-runs)`);
    serve = await startServe(root);
    // Cold: the first visit right after start, while serve is still reading the run (told, no target).
    const cold = await timedGet(serve.base, `/runs/${LIVE_RUN_ID}`);
    if (cold.status !== 200) throw new Error(`run page answered ${cold.status}`);
    // A browser following the run: its first event comes once the logs are read.
    const arrivals = new Map();
    let baseline = null;
    const close = openEvents(serve.base, (steps, at) => { baseline ??= steps; arrivals.set(steps, at); });
    const startWait = performance.now();
    while (baseline === null && performance.now() - startWait < 120_000) await new Promise((r) => setTimeout(r, 20));
    if (baseline !== run.steps) throw new Error(`first progress event counted ${baseline} steps, expected ${run.steps}`);
    const readyMs = performance.now() - startWait;
    const page = await timedGet(serve.base, `/runs/${LIVE_RUN_ID}`);
    const t0 = performance.now();
    const assets = await Promise.all(['/static/serve.js', '/static/report.css', '/static/serve.css', `/runs/${LIVE_RUN_ID}/shmoo`].map((p) => timedGet(serve.base, p)));
    const usableMs = page.totalMs + (performance.now() - t0);
    // Cells drawn one by one carry class="shmoo-cell"; a large panel lists its cells in one
    // hit layer (data-count entries in data-cells, src/report/shmooSvg.ts).
    const shmooHtml = assets[3].body;
    const cells = (shmooHtml.match(/class="shmoo-cell /g) ?? []).length
      + [...shmooHtml.matchAll(/<g class="shmoo-hits"[^>]* data-cells="([^"]*)"/g)].reduce((n, m) => n + (m[1] === '' ? 0 : m[1].split(';').length), 0);
    if (cells !== subruns) throw new Error(`the shmoo has ${cells} cells, expected ${subruns}`);
    // Live updates: a step written every 250 ms (out of phase with serve's 150 ms poll), 20 of them.
    const written = [];
    for (let k = 1; k <= 20; k++) {
      await new Promise((r) => setTimeout(r, 250));
      run.appendStep();
      written.push([run.steps + k, performance.now()]);
    }
    await new Promise((r) => setTimeout(r, 1000));
    close();
    // A step is delivered by the first event counting it (events may count several steps).
    const latencies = written.map(([steps, at]) => {
      const got = [...arrivals].filter(([n]) => n >= steps).map(([, t]) => t);
      return got.length ? Math.min(...got) - at : NaN;
    });
    const rss = peakRssMib(serve.child.pid);
    const label = `${run.steps.toLocaleString('en-US')}-step live run`;
    log(`serve: cold first byte ${cold.firstMs.toFixed(0)} ms, logs read after ${readyMs.toFixed(0)} ms; first byte ${page.firstMs.toFixed(0)} ms, usable ${usableMs.toFixed(0)} ms, update p50 ${median(latencies).toFixed(0)} ms (max ${Math.max(...latencies).toFixed(0)}), peak RSS ${rss.toFixed(0)} MiB`);
    return [
      makeRow({ id: 'serve.first_byte_cold', what: `serve: run page of a ${label}, first byte of the first visit right after start`, value: cold.firstMs, unit: 'ms', note: `the run's logs were all read ${readyMs.toFixed(0)} ms after that` }),
      makeRow({ id: 'serve.first_byte', what: `serve: run page of a ${label}, first byte (serve up, run read)`, value: page.firstMs, unit: 'ms', target: { on: 'value', max: 300, strict: true } }),
      makeRow({ id: 'serve.usable', what: `serve: run page of a ${label}, usable (page, assets, shmoo of ${subruns} cells)`, value: usableMs, unit: 'ms', target: { on: 'value', max: 2000, strict: true } }),
      makeRow({ id: 'serve.update_latency', what: 'serve: step_end written → SSE progress event received (median of 20)', value: median(latencies), unit: 'ms', target: { on: 'value', max: 500, strict: true }, note: `max ${Math.max(...latencies).toFixed(0)} ms`, samples: { value: latencies } }),
      makeRow({ id: 'serve.rss', what: `serve: peak RSS while streaming a ${label}`, value: rss, unit: 'MiB', target: { on: 'value', max: 200, strict: true } }),
    ];
  } finally {
    serve?.child.kill('SIGTERM');
    await run?.release();
    rmSync(root, { recursive: true, force: true });
  }
}
