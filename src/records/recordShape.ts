// The shape of the records that `run --resume` and `rerun-last` re-enter the pipeline from
// (plan.json, summary.json, inputs/.manifest.json). A record written by an older road_runner
// or damaged by hand parses as JSON yet lacks a field or holds the wrong type; this says which,
// so the command stops with a message instead of failing somewhere inside.

type Check = (value: unknown, at: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const str: Check = (v, at) => (typeof v === 'string' ? null : `${at} is not text`);
const num: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : `${at} is not a finite number`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? null : `${at} is not true or false`);
const orNull = (check: Check): Check => (v, at) => (v === null ? null : check(v, at));
const optional = (check: Check): Check => (v, at) => (v === undefined ? null : check(v, at));

function list(item: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} is not a list`;
    for (let i = 0; i < v.length; i++) {
      const bad = item(v[i], `${at}[${i}]`);
      if (bad) return bad;
    }
    return null;
  };
}

function record(fields: Record<string, Check>): Check {
  return (v, at) => {
    if (!isObject(v)) return `${at || 'the file'} is not an object`;
    for (const [key, check] of Object.entries(fields)) {
      const bad = check(v[key], at ? `${at}.${key}` : key);
      if (bad) return bad;
    }
    return null;
  };
}

function mapOf(value: Check): Check {
  return (v, at) => {
    if (!isObject(v)) return `${at} is not an object`;
    for (const [key, item] of Object.entries(v)) {
      const bad = value(item, `${at}.${key}`);
      if (bad) return bad;
    }
    return null;
  };
}

const numbers = mapOf(num);
const plannedStep = record({ index: num, step_id: str, adapter: str, params: mapOf((v, at) => (v === null || ['string', 'number', 'boolean'].includes(typeof v) ? null : `${at} is not a value`)), argv: list(str), timeout_s: num, on_fail: str, log_name: str });
const subrun = record({ id: str, index: num, seed: num, point: numbers, margins: numbers, adapter_margins: mapOf(numbers), steps: list(plannedStep) });

const plan = record({
  format: str, run_id: str, created_at: str, seed: num, flow: str, margin: str, profile: orNull(str), profile_reasons: list(str),
  bounds: record({ rails: mapOf(record({ min: num, max: num })) }),
  rails: mapOf(record({ rail: str, adapter: orNull(str), nominal: orNull(num), passive: bool })),
  axes: list(record({ name: str, rail: str, values: list(num) })),
  inputs: list(record({ file: str, sha256: str, role: str })),
  subruns: list(subrun),
});

const runSummary = record({ run_id: str, status: str, unit: str, seed: num, started_at: str, dry_run: optional(bool) });

const inputsManifest = list(record({ path: str, source: str }));

/** What is wrong with a parsed plan.json (`subruns[3].steps is not a list`), or null. */
export function describePlanShape(value: unknown): string | null {
  return plan(value, '');
}

/** What is wrong with a parsed run summary.json, as far as resume and rerun-last use it, or null. */
export function describeRunSummaryShape(value: unknown): string | null {
  return runSummary(value, '');
}

/** What is wrong with a parsed inputs/.manifest.json, or null. */
export function describeInputsManifestShape(value: unknown): string | null {
  return inputsManifest(value, 'the manifest');
}
