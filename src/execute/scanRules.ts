// Output rules of a diagnostic (SPEC §3.1 `pass` and `metrics`): which lines mean failure,
// which line is required for a pass, and which values are captured as metrics.

import { compileLinearRegex, linearRegexHint, type LinearRegex } from '../config/linearRegex.js';
import { UsageError } from '../errors.js';
import { forEachLine } from './lineScanner.js';
import { compactTerminalLine, renderTerminalLine } from './terminalLine.js';

export type MetricType = 'number' | 'integer' | 'string';
export type ScannedStream = 'stdout' | 'stderr' | 'both';

export interface ScanRules {
  /** stdout_fail_regex: a matching line means failed. */
  failRegex?: string;
  /** stdout_pass_regex: if set, at least one line must match for a pass. */
  passRegex?: string;
  /** First capture group (whole match if none); the last matching line wins. */
  metrics?: { name: string; regex: string; type: MetricType }[];
  /** Replay "\b" and "\r" cursor moves before matching (memtester-style spinners). */
  stripBackspaces?: boolean;
  /** Stream the rules apply to (stress-ng reports on stderr); default 'stdout'. */
  stream?: ScannedStream;
}

/**
 * A regex applied per line, with a screen that finds out in one search if a block can match.
 * Both run on the linear-time engine (src/config/linearRegex.ts): a hostile pattern or line
 * cannot stall the event loop, so a step's timeout and Ctrl-C act on time.
 */
export interface LineRegex {
  exact: LinearRegex;
  /** Same source in multiline mode: no block match means no line match (RE2 has no lookarounds). */
  screen: LinearRegex;
}

export interface CompiledScanRules {
  fail: LineRegex | null;
  pass: LineRegex | null;
  metrics: { name: string; type: MetricType; regex: LineRegex }[];
  stripBackspaces: boolean;
  stream: ScannedStream;
}

export interface ScanOutcome {
  failMatched: boolean;
  passMatched: boolean;
  metrics: Record<string, number | string>;
}

export interface OutputScanner {
  /** Scans one or more whole lines joined by '\n'. */
  scanLines: (block: string) => void;
  /** Shrinks an over-long partial line (for the line splitter); undefined when not needed. */
  compact: ((partial: string) => string) | undefined;
  readOutcome: () => ScanOutcome;
}

/** Compiles the rules; null when there is nothing to scan. Throws UsageError on a bad regex. */
export function compileScanRules(rules: ScanRules | undefined): CompiledScanRules | null {
  if (rules === undefined) return null;
  const fail = compileLineRegex(rules.failRegex, 'stdout_fail_regex');
  const pass = compileLineRegex(rules.passRegex, 'stdout_pass_regex');
  const metrics = (rules.metrics ?? []).map((metric) => ({
    name: metric.name,
    type: metric.type,
    regex: compileLineRegex(metric.regex, `metrics.${metric.name}.regex`) as LineRegex,
  }));
  if (fail === null && pass === null && metrics.length === 0) return null;
  return { fail, pass, metrics, stripBackspaces: rules.stripBackspaces ?? false, stream: rules.stream ?? 'stdout' };
}

/** Creates the scanner that applies compiled rules line by line and accumulates the outcome. */
export function createOutputScanner(rules: CompiledScanRules): OutputScanner {
  let failMatched = false;
  let passMatched = false;
  const metrics: Record<string, number | string> = {};

  const scanLine = (line: string, checkFail: boolean, checkPass: boolean, checkMetrics: CompiledScanRules['metrics']): void => {
    if (checkFail && !failMatched && rules.fail?.exact.test(line) === true) failMatched = true;
    if (checkPass && !passMatched && rules.pass?.exact.test(line) === true) passMatched = true;
    for (const metric of checkMetrics) {
      const captured = metric.regex.exact.capture(line);
      if (captured === null) continue;
      const value = readMetricValue(captured, metric.type);
      if (value !== undefined) metrics[metric.name] = value;
    }
  };

  const scanLines = (block: string): void => {
    if (rules.stripBackspaces) {
      // Cursor moves change the text, so every line is rendered and tested.
      forEachLine(block, (raw) => scanLine(renderTerminalLine(raw), true, true, rules.metrics));
      return;
    }
    // RE2's multiline $ matches before '\n' only, while lines are matched without their '\r':
    // a block with carriage returns is not screened.
    const screened = block.indexOf('\r') === -1;
    const checkFail = !failMatched && mayMatch(rules.fail, block, screened);
    const checkPass = !passMatched && mayMatch(rules.pass, block, screened);
    const checkMetrics = rules.metrics.filter((metric) => mayMatch(metric.regex, block, screened));
    if (!checkFail && !checkPass && checkMetrics.length === 0) return;
    forEachLine(block, (raw) => scanLine(stripCarriageReturn(raw), checkFail, checkPass, checkMetrics));
  };

  return {
    scanLines,
    compact: rules.stripBackspaces ? compactTerminalLine : undefined,
    readOutcome: () => ({ failMatched, passMatched, metrics: { ...metrics } }),
  };
}

/** Converts a captured text to the metric's type; undefined if it is not one. */
export function readMetricValue(text: string, type: MetricType): number | string | undefined {
  if (type === 'string') return text;
  const trimmed = text.trim();
  if (type === 'integer') return /^[+-]?\d+$/.test(trimmed) ? Number.parseInt(trimmed, 10) : undefined;
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Pass judgement from the output alone: no fail line, and the pass line if one is required. */
export function isOutputPassing(outcome: Pick<ScanOutcome, 'failMatched' | 'passMatched'>, rules: ScanRules | undefined): boolean {
  if (outcome.failMatched) return false;
  return rules?.passRegex === undefined || outcome.passMatched;
}

function compileLineRegex(source: string | undefined, what: string): LineRegex | null {
  if (source === undefined) return null;
  try {
    return { exact: compileLinearRegex(source), screen: compileLinearRegex(source, true) };
  } catch (error) {
    throw new UsageError(`invalid ${what} /${source}/: ${(error as Error).message}`, linearRegexHint);
  }
}

function mayMatch(regex: LineRegex | null, block: string, screened: boolean): boolean {
  if (regex === null) return false;
  return !screened || regex.screen.test(block);
}

function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
