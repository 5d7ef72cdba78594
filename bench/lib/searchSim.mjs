// Runs the search engine in-process against simulated parts (src/search/simulatedPart.ts) and
// scores it with the parts' truth: probes, escapes (confirmed Vmin inside the flaky band) and
// guard-banded Vmin against the always-pass voltage. Imports the built engine from dist/.

import { ROOT } from './workspaces.mjs';

const dist = (path) => import(new URL(`dist/search/${path}`, `file://${ROOT}/`).href);

/** The engine and simulator modules, loaded from dist/. */
export async function loadSearch() {
  const [engine, sim] = await Promise.all([dist('engine.js'), dist('simulatedPart.js')]);
  return { ...engine, ...sim };
}

/** The issue's lattice: 64 voltages, 5 mV apart from 1200 mV down, × 16 frequencies. */
export function issueColumns() {
  const voltages = Array.from({ length: 64 }, (_, i) => 1200 - 5 * i);
  const frequencies = Array.from({ length: 16 }, (_, i) => 1000 + 200 * i);
  return {
    frequencies,
    columns: frequencies.map((f) => ({ key: `freq_mhz=${f}`, axes: { freq_mhz: f }, lattice: voltages })),
  };
}

/**
 * Searches `parts` simulated parts with `spec`; returns mean probes per part, the share of
 * columns whose confirmed Vmin escaped into the band, the share whose guard-banded Vmin is at
 * or above the always-pass voltage, and the engine's own time per decision.
 */
export function scoreSearch(search, spec, { parts, partOptions, firstSeed = 1 }) {
  const { columns, frequencies } = issueColumns();
  let probes = 0;
  let escapes = 0;
  let guarded = 0;
  let scored = 0;
  let decisions = 0;
  let decisionMs = 0;
  for (let p = 0; p < parts; p++) {
    const part = search.makeSimulatedPart(firstSeed + p, frequencies, partOptions);
    const history = [];
    for (;;) {
      const t = performance.now();
      const request = search.nextProbe(spec, columns, history);
      decisionMs += performance.now() - t;
      decisions++;
      if (request === null) break;
      const f = Number(request.column.slice('freq_mhz='.length));
      history.push({ column: request.column, value: request.value, purpose: request.purpose, outcome: search.simulateRun(part, request.column, f, request.value, request.attempt) });
    }
    probes += history.length;
    const file = search.boundaryOf(spec, columns, history, `sim-${p}`);
    file.columns.forEach((column, i) => {
      const f = frequencies[i];
      const alwaysPass = search.alwaysPassVoltage(part, f);
      scored++;
      if (column.confirmed !== null && column.confirmed < alwaysPass) escapes++;
      if (column.guard_banded !== null && column.guard_banded >= alwaysPass) guarded++;
    });
  }
  return {
    probesPerPart: probes / parts,
    gridPoints: columns.length * columns[0].lattice.length,
    escapeShare: escapes / scored,
    guardedShare: guarded / scored,
    msPerDecision: decisionMs / decisions,
  };
}
