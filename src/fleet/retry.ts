// Back-off for database calls that must not stop a run: a failed attempt waits, doubling from
// `firstMs` up to `maxMs`, and the caller decides when to give up (an abort signal).

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The delays of a back-off: first, 2×first, … capped at max. */
export class Backoff {
  private next: number;
  constructor(private readonly firstMs: number, private readonly maxMs: number) {
    this.next = firstMs;
  }
  /** The delay to wait after one more failure. */
  fail(): number {
    const d = this.next;
    this.next = Math.min(this.maxMs, this.next * 2);
    return d;
  }
  reset(): void {
    this.next = this.firstMs;
  }
}

/** Calls `fn` until it succeeds or `signal` aborts (then the last error is thrown); `onError` hears each failure. */
export async function retryUntil<T>(fn: () => Promise<T>, opts: { signal?: AbortSignal; firstMs?: number; maxMs?: number; onError?: (err: unknown, attempt: number) => void }): Promise<T> {
  const backoff = new Backoff(opts.firstMs ?? 200, opts.maxMs ?? 5000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      opts.onError?.(err, attempt);
      if (opts.signal?.aborted) throw err;
      await sleep(backoff.fail(), opts.signal);
      if (opts.signal?.aborted) throw err;
    }
  }
}
