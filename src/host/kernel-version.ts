// Numeric comparison of kernel versions by their dotted prefix: `6.1.0-18-amd64` → [6, 1, 0].

/** The leading dotted numbers of a version string, or undefined if it has none. */
export function parseVersionPrefix(version: string): number[] | undefined {
  const m = /^\s*v?(\d+(?:\.\d+)*)/.exec(version);
  if (!m?.[1]) return undefined;
  return m[1].split('.').map((part) => Number.parseInt(part, 10));
}

/** Compares two dotted number lists, missing parts counting as 0: negative, 0 or positive. */
export function compareVersions(a: number[], b: number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
