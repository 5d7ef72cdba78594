// Every numeric command-line option, checked in one place before any command runs: plain
// decimal text only (no NaN, Infinity, hex or exponent), finite, and inside the option's range.
// yargs reads them as strings so that nothing is coerced before this check sees the text.
import { UsageError } from '../errors.js';

/** What a numeric option accepts. */
export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  /** How the accepted values read in a message: `a non-negative number of seconds`. */
  what: string;
  example: string;
}

/** The numeric options of every command, by their dashed name. */
export const NUMBER_OPTIONS: Readonly<Record<string, NumberRule>> = {
  // A seed is a uint32, as a margin's global_seed.
  seed: { min: 0, max: 4294967295, integer: true, what: 'a whole number', example: '--seed 42' },
  // Beyond an hour a step that ignores SIGTERM is a hung step, and timers stay far from their 2^31 ms limit.
  grace: { min: 0, max: 3600, integer: false, what: 'a non-negative number of seconds', example: '--grace 5' },
  port: { min: 0, max: 65535, integer: true, what: 'a port number', example: '--port 8720, or --port 0 for any free port' },
  // Fleet agent timings (docs/fleet.md): short in tests, seconds in a lab.
  'heartbeat-ms': { min: 50, max: 600000, integer: true, what: 'a whole number of milliseconds', example: '--heartbeat-ms 5000' },
  'lost-after-ms': { min: 100, max: 86400000, integer: true, what: 'a whole number of milliseconds', example: '--lost-after-ms 30000' },
  'poll-ms': { min: 10, max: 600000, integer: true, what: 'a whole number of milliseconds', example: '--poll-ms 1000' },
  // Sub-runs per fleet job chunk (docs/fleet.md "Jobs in chunks").
  chunk: { min: 1, max: 1000000, integer: true, what: 'a whole number of sub-runs', example: '--chunk 50' },
  'older-than': { min: 0, max: 36500, integer: false, what: 'a non-negative number of days', example: '--older-than 30, or --older-than 0.5 for twelve hours' },
};

const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;

/** Parses one numeric option's value; a usage error names the option, the range and what was given. */
export function parseNumberOption(name: string, rule: NumberRule, raw: unknown): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  const range = `${rule.min} to ${rule.max}`;
  const refuse = (why: string) => new UsageError(`--${name} must be ${rule.what} (${range})${why}, got ${shown(raw)}`, `e.g. ${rule.example}`);
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw refuse('');
  const value = Number(text);
  if (!Number.isFinite(value)) throw refuse('; that is beyond any finite number');
  if (rule.integer && !Number.isInteger(value)) throw refuse('; no fraction');
  if (value < rule.min || value > rule.max) throw refuse('');
  // Above 2^53 two different texts can give the same number: refused by every range here.
  return value;
}

/**
 * Replaces the text of each numeric option present in `args` (yargs' parsed arguments, which
 * hold both `older-than` and `olderThan`) by its checked number.
 */
export function checkNumberOptions(args: Record<string, unknown>): void {
  for (const [name, rule] of Object.entries(NUMBER_OPTIONS)) {
    const raw = args[name];
    if (raw === undefined) continue;
    const value = parseNumberOption(name, rule, raw);
    args[name] = value;
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (camel !== name) args[camel] = value;
  }
}

function shown(raw: unknown): string {
  if (Array.isArray(raw)) return `${raw.length} values`;
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  return String(raw);
}
