// Numeric step metrics kept compactly while a steps.ldjson streams past: one flat number
// array per step (metric-name index, value, …) under a numeric key, names interned once.
// A run of 100,000 steps with a few metrics each stays within a few megabytes.

/** Packs a (matched sub-run, step index) pair into one numeric map key. */
export function packStepKey(pair: number, stepIndex: number): number {
  return pair * 2 ** 21 + stepIndex;
}

/** Numeric metrics of many steps, names interned. */
export class MetricStore {
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private readonly values = new Map<number, number[]>();

  /** Keeps the finite numeric metrics of one step (replacing any kept before under `key`). */
  put(key: number, metrics: unknown): void {
    if (typeof metrics !== 'object' || metrics === null) return;
    const flat: number[] = [];
    for (const [name, value] of Object.entries(metrics as Record<string, unknown>)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      flat.push(this.internName(name), value);
    }
    if (flat.length > 0) this.values.set(key, flat);
  }

  /** Returns and forgets the metrics kept under `key` (name → value), or null. */
  take(key: number): Map<string, number> | null {
    const flat = this.values.get(key);
    if (flat === undefined) return null;
    this.values.delete(key);
    const out = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) out.set(this.names[flat[i] as number] as string, flat[i + 1] as number);
    return out;
  }

  get size(): number {
    return this.values.size;
  }

  private internName(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }
}

/** The finite numeric metrics of a step_end's `metrics` object, name → value. */
export function readNumericMetrics(metrics: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (typeof metrics !== 'object' || metrics === null) return out;
  for (const [name, value] of Object.entries(metrics as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) out.set(name, value);
  }
  return out;
}
