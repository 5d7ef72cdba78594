// Medians and interleaved repetitions, so that drift of a shared machine hits both sides alike.

/** Median of a list of numbers (mean of the middle two for an even count). */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs every named task once per repetition, rotating the order each repetition (A B C, then
 * B C A, …), and returns { name: [result, …] } in repetition order.
 */
export async function runInterleaved(tasks, reps) {
  const names = Object.keys(tasks);
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(rep + k) % names.length];
      results[name].push(await tasks[name](rep));
    }
  }
  return results;
}

/** Median of one numeric field over a list of measured results. */
export function medianOf(results, field) {
  return median(results.map((r) => r[field]));
}
