import { distance } from 'fastest-levenshtein';

/** The closest candidate to a mistyped word, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** "did you mean X?" when a close candidate exists, else the list of what is known. */
export function suggestionFor(word: string, candidates: string[], what: string): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  if (candidates.length === 0) return `no ${what} is defined`;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${what}s: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}
