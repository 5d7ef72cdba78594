// Regular expressions of manifests run on a linear-time engine (RE2 semantics, the pure-JS port
// re2js): no pattern, however written, can make matching a line take more than time
// proportional to the line, so no output can stall road_runner's clock (SPEC §15). Patterns
// RE2 cannot run (backreferences, lookarounds) are input errors, found by `validate`/`plan`.
//
// re2js is loaded on first use, synchronously (its CommonJS build), so workspaces and runs
// without regexes never load it.

import { createRequire } from 'node:module';

type Re2Module = typeof import('re2js');
type Re2Pattern = ReturnType<Re2Module['RE2JS']['compile']>;

const load = createRequire(import.meta.url);

function engine(): Re2Module['RE2JS'] {
  return (load('re2js') as Re2Module).RE2JS;
}

/** A compiled pattern: a yes/no search, and the first capture group (or whole match) of a search. */
export interface LinearRegex {
  test: (text: string) => boolean;
  /** Group 1 if the pattern has one and it took part, else the whole match; null: no match. */
  capture: (text: string) => string | null;
  /** How many capture groups the pattern has. */
  groups: number;
  /** Capture group `n` of the first match: null when nothing matches, undefined when the group took no part. */
  group: (text: string, n: number) => string | null | undefined;
}

/** Compiles a pattern; `multiline` lets ^ and $ match at every line of a block. Throws on syntax RE2 cannot run. */
export function compileLinearRegex(source: string, multiline = false): LinearRegex {
  const RE2JS = engine();
  const pattern: Re2Pattern = RE2JS.compile(source, multiline ? RE2JS.MULTILINE : 0);
  const hasGroup = pattern.groupCount() >= 1;
  return {
    test: (text) => pattern.test(text),
    capture: (text) => {
      // The DFA answers "no" cheaply; the capturing matcher runs only on a line that matches.
      if (!pattern.test(text)) return null;
      const m = pattern.matcher(text);
      if (!m.find()) return null;
      return (hasGroup ? m.group(1) : null) ?? m.group(0);
    },
    groups: pattern.groupCount(),
    group: (text, n) => {
      if (!pattern.test(text)) return null;
      const m = pattern.matcher(text);
      if (!m.find()) return null;
      return m.group(n) ?? undefined;
    },
  };
}

/** Why the engine cannot run a pattern (its own words), or null when it can. */
export function linearRegexError(source: string): string | null {
  try {
    compileLinearRegex(source);
    return null;
  } catch (error) {
    return `/${source}/: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`;
  }
}

/** The fix for a pattern the engine refuses. */
export const linearRegexHint =
  'regexes use RE2 syntax (linear time): no backreferences (\\1) or lookarounds ((?=…), (?!…), (?<=…)); ' +
  'put a backslash before ( ) [ ] { } . * + ? to match the character itself';
