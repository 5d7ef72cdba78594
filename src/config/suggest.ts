import damerauLevenshtein from 'damerau-levenshtein';

/**
 * Edit distance counting a swap of two neighbouring letters as one edit, so that the
 * commonest typo, `rial` for `rail`, is closer than `diag`.
 */
export function measureTypoDistance(a: string, b: string): number {
  return damerauLevenshtein(a, b).steps;
}

/** The candidate nearest to a word (case-insensitive), whatever the distance; ties keep input order. */
export function nearest(word: string, candidates: Iterable<string>): { candidate: string; distance: number } | undefined {
  let best: { candidate: string; distance: number } | undefined;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = measureTypoDistance(lower, c.toLowerCase());
    if (best === undefined || d < best.distance) best = { candidate: c, distance: d };
  }
  return best;
}

/** The closest candidate to a mistyped word, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const best = nearest(word, candidates);
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && best.distance <= allowed ? best.candidate : undefined;
}

/** "did you mean X?" when a close candidate exists, else the list of what is known. */
export function suggestionFor(word: string, candidates: string[], what: string): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  if (candidates.length === 0) return `no ${what} is defined`;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${what}s: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}
