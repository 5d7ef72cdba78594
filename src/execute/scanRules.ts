// Output rules of a diagnostic (SPEC §3.1 `pass` and `metrics`): which lines mean failure,
// which line is required for a pass, and which values are captured as metrics.

import { compileLinearRegex, linearRegexHint, type LinearRegex } from '../config/linearRegex.js';
import { UsageError } from '../errors.js';
import { forEachLine } from './lineScanner.js';
import { compactTerminalLine, renderTerminalLine } from './terminalLine.js';

export type MetricType = 'number' | 'integer' | 'string';
export type ScannedStream = 'stdout' | 'stderr' | 'both';

/** One metric: its value from a capture group, per instance when an instance group is given. */
export interface MetricRule {
  name: string;
  regex: string;
  type: MetricType;
  /** Group holding the value; default 1 (or the first group other than instanceGroup). */
  group?: number;
  /** Group naming an instance: recorded as `<name>.<instance>`. */
  instanceGroup?: number;
}

/** Most instances one metric records: hostile output cannot grow a step record without end. */
export const MAX_METRIC_INSTANCES = 256;
/** Longest instance name kept in a metric name. */
const MAX_INSTANCE_CHARS = 64;
/** Longest failing line quoted in a step's error. */
export const MAX_FAIL_LINE_CHARS = 300;

export interface ScanRules {
  /** stdout_fail_regex: a matching line means failed. */
  failRegex?: string;
  /** stdout_pass_regex: if set, at least one line must match for a pass. */
  passRegex?: string;
  /** Value from a capture group (whole match if none), per instance when the rule names one; the last matching line wins. */
  metrics?: MetricRule[];
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

interface CompiledMetric {
  name: string;
  type: MetricType;
  regex: LineRegex;
  /** [value group, instance group] when either is explicit; null: the first group (or whole match). */
  groups: [number, number | null] | null;
}

export interface CompiledScanRules {
  fail: LineRegex | null;
  pass: LineRegex | null;
  metrics: CompiledMetric[];
  stripBackspaces: boolean;
  stream: ScannedStream;
}

export interface ScanOutcome {
  failMatched: boolean;
  /** The first line that matched the fail regex (cut to MAX_FAIL_LINE_CHARS), null if none did. */
  failLine: string | null;
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
  const metrics = (rules.metrics ?? []).map((metric): CompiledMetric => ({
    name: metric.name,
    type: metric.type,
    regex: compileLineRegex(metric.regex, `metrics.${metric.name}.regex`) as LineRegex,
    groups: metric.group === undefined && metric.instanceGroup === undefined ? null : metricGroups(metric),
  }));
  if (fail === null && pass === null && metrics.length === 0) return null;
  return { fail, pass, metrics, stripBackspaces: rules.stripBackspaces ?? false, stream: rules.stream ?? 'stdout' };
}

/** Creates the scanner that applies compiled rules line by line and accumulates the outcome. */
export function createOutputScanner(rules: CompiledScanRules): OutputScanner {
  let failMatched = false;
  let failLine: string | null = null;
  let passMatched = false;
  const metrics: Record<string, number | string> = {};
  const instances = new Map<string, number>();

  const recordInstance = (metric: CompiledMetric, instance: string, value: number | string): void => {
    const key = `${metric.name}.${instance}`;
    if (metrics[key] === undefined) {
      const seen = instances.get(metric.name) ?? 0;
      if (seen >= MAX_METRIC_INSTANCES) return;
      instances.set(metric.name, seen + 1);
    }
    metrics[key] = value;
  };

  const scanMetric = (metric: CompiledMetric, line: string): void => {
    if (metric.groups === null) {
      const captured = metric.regex.exact.capture(line);
      const value = captured === null ? undefined : readMetricValue(captured, metric.type);
      if (value !== undefined) metrics[metric.name] = value;
      return;
    }
    const [valueGroup, instanceGroup] = metric.groups;
    const texts = metric.regex.exact.captureGroups(line, instanceGroup === null ? [valueGroup] : [valueGroup, instanceGroup]);
    if (texts === null || texts[0] === null || texts[0] === undefined) return;
    const value = readMetricValue(texts[0], metric.type);
    if (value === undefined) return;
    if (instanceGroup === null) {
      metrics[metric.name] = value;
      return;
    }
    const instance = instanceName(texts[1] ?? null);
    if (instance !== null) recordInstance(metric, instance, value);
  };

  const scanLine = (line: string, checkFail: boolean, checkPass: boolean, checkMetrics: CompiledScanRules['metrics']): void => {
    if (checkFail && !failMatched && rules.fail?.exact.test(line) === true) {
      failMatched = true;
      failLine = line.length > MAX_FAIL_LINE_CHARS ? `${line.slice(0, MAX_FAIL_LINE_CHARS)}…` : line;
    }
    if (checkPass && !passMatched && rules.pass?.exact.test(line) === true) passMatched = true;
    for (const metric of checkMetrics) scanMetric(metric, line);
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
    readOutcome: () => ({ failMatched, failLine, passMatched, metrics: { ...metrics } }),
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

// Value group, then instance group: the value is group 1 unless that names the instance.
function metricGroups(metric: MetricRule): [number, number | null] {
  const instance = metric.instanceGroup ?? null;
  const value = metric.group ?? (instance === 1 ? 2 : 1);
  return [value, instance];
}

// An instance as it may appear in a metric name: letters, digits and . _ : - only, never empty.
function instanceName(text: string | null): string | null {
  if (text === null) return null;
  const name = text.trim().slice(0, MAX_INSTANCE_CHARS).replace(/[^A-Za-z0-9_.:-]/g, '_');
  return name === '' ? null : name;
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
