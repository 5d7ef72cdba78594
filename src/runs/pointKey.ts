// A margin point as a comparable key: `rail=value,...` with the rails sorted by name, so the
// same point matches across runs whatever order its axes were declared in.

/** The canonical key of a point: `freq_mhz=2400,vcore_mv=850` (rails sorted by name). */
export function canonicalPointKey(point: Record<string, number>): string {
  return Object.keys(point)
    .sort()
    .map((rail) => `${rail}=${String(point[rail])}`)
    .join(',');
}

/** A point for people, in its own axis order: `vcore_mv 950, freq_mhz 3000` (`nominal` for none). */
export function formatPoint(point: Record<string, number> | null): string {
  if (point === null) return '(unknown point)';
  const parts = Object.entries(point).map(([rail, value]) => `${rail} ${String(value)}`);
  return parts.length === 0 ? 'nominal' : parts.join(', ');
}

/**
 * Gives each item a unique canonical key; a point that occurs more than once (a zip profile
 * repeating values) gets `#2`, `#3`… on its later occurrences, in order.
 */
export function keyPoints<T extends { point: Record<string, number> }>(items: readonly T[]): (T & { key: string })[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const base = canonicalPointKey(item.point);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...item, key: n === 1 ? base : `${base}#${n}` };
  });
}

/** The key of a step within a sub-run: its id and which occurrence of that id it is (`patterns#2`). */
export function keySteps<T extends { index: number; step_id: string }>(steps: readonly T[]): { step: T; key: string; occurrence: number; occurrences: number }[] {
  const ordered = [...steps].sort((x, y) => x.index - y.index);
  const totals = new Map<string, number>();
  for (const s of ordered) totals.set(s.step_id, (totals.get(s.step_id) ?? 0) + 1);
  const seen = new Map<string, number>();
  return ordered.map((step) => {
    const n = (seen.get(step.step_id) ?? 0) + 1;
    seen.set(step.step_id, n);
    return { step, key: `${step.step_id}#${n}`, occurrence: n, occurrences: totals.get(step.step_id) ?? 1 };
  });
}
