import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Problem } from '../errors.js';
import { schemaKinds, type SchemaKind } from './schemas/index.js';
import { nominalReadPattern } from './schemas/railAdapter.js';
import { maxExactNumber, maxRepeat, maxTimeoutS, maxTimerMs, namePattern, railNamePattern } from './schemas/common.js';
import { suggestionFor } from './suggest.js';
import { problemAt, type SourceFile } from './yamlSource.js';

/** Compiled validators for every schema kind; build once per command and pass around. */
export type Validators = Record<SchemaKind, ValidateFunction>;

/** The identifier a schema kind's validator is exported as in the generated module. */
export function validatorExportName(kind: SchemaKind): string {
  return `validate_${kind.replace(/-/g, '_')}`;
}

// Written by dist/config/generateValidators.js next to the built module; absent when running from src/.
const generatedModule = './generated/validators.js';

/**
 * The validators: the ones compiled at build time when present (fast start-up), else
 * compiled now with ajv. Both come from the same schemas and options.
 */
export async function loadValidators(): Promise<Validators> {
  try {
    const generated = (await import(generatedModule)) as Record<string, ValidateFunction | undefined>;
    const out = {} as Validators;
    for (const kind of schemaKinds) {
      const fn = generated[validatorExportName(kind)];
      if (typeof fn !== 'function') throw new Error(`generated validators lack ${kind}`);
      out[kind] = fn;
    }
    return out;
  } catch {
    // not built (or built from other schemas): compile below
  }
  const { compileValidators } = await import('./compileSchemas.js');
  return compileValidators();
}

/** Validates a parsed file against one kind's schema and returns every problem, located. */
export function validateSource(validators: Validators, kind: SchemaKind, source: SourceFile): Problem[] {
  const validate = validators[kind];
  if (validate(source.data)) return [];
  const errors = dropNoise(validate.errors ?? []);
  // In the order of the file, so the list reads top to bottom.
  return errors.map((e) => describeError(e, source)).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

// anyOf branches and the inner errors of propertyNames repeat what the outer error says.
function dropNoise(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.filter((e) => {
    if ((e as { propertyName?: string }).propertyName !== undefined) return false;
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) return false;
    return true;
  });
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  return String(value);
}

function isNonFinite(value: unknown): boolean {
  return typeof value === 'number' && !Number.isFinite(value);
}

interface NumberSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

// The whole accepted range of a number, from the schema holding the failed keyword:
// "a whole number from 1 to 1000000", "a number above 0 and at most 2147483".
function describeRange(schema: NumberSchema | undefined): string {
  const kind = schema?.type === 'integer' ? 'a whole number' : 'a number';
  if (schema?.minimum !== undefined && schema.maximum !== undefined) return `${kind} from ${schema.minimum} to ${schema.maximum}`;
  const parts: string[] = [];
  if (schema?.exclusiveMinimum !== undefined) parts.push(`above ${schema.exclusiveMinimum}`);
  else if (schema?.minimum !== undefined) parts.push(`at least ${schema.minimum}`);
  if (schema?.exclusiveMaximum !== undefined) parts.push(`below ${schema.exclusiveMaximum}`);
  else if (schema?.maximum !== undefined) parts.push(`at most ${schema.maximum}`);
  return `${kind} ${parts.join(' and ')}`;
}

// Why a limit exists and what to write instead, for the limits every input shares.
function rangeHint(limit: number): string | undefined {
  if (limit === maxTimeoutS) return `a timer holds at most ${maxTimeoutS} s (about 24.8 days); give a smaller number of seconds`;
  if (limit === maxTimerMs) return `a timer holds at most ${maxTimerMs} ms (about 24.8 days); give a smaller number of milliseconds`;
  if (Math.abs(limit) === maxExactNumber) return 'numbers beyond ±(2^53 - 1) are not exact; give a smaller number';
  if (limit === maxRepeat) return `repeat a step at most ${maxRepeat} times; split longer soaks into several runs`;
  return undefined;
}

function describePattern(pattern: string): string {
  if (pattern === namePattern) return 'a name of letters, digits, "_", "." and "-" (not starting with a symbol)';
  if (pattern === railNamePattern) return 'a lower-case rail name such as vcore_mv';
  if (pattern === nominalReadPattern) return 'a number or the word read';
  return `text matching /${pattern}/`;
}

function describeError(e: ErrorObject, source: SourceFile): Problem {
  const ptr = e.instancePath;
  const schema = e.parentSchema as { properties?: Record<string, unknown>; maxProperties?: number } | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(schema?.properties ?? {});
      return problemAt(source, `${ptr}/${key}`, `unknown key "${key}"`, suggestionFor(key, known, 'key'), true);
    }
    case 'required':
      return problemAt(source, ptr, `missing required key "${String(e.params.missingProperty)}"`,
        `add \`${String(e.params.missingProperty)}: …\` here`);
    case 'type':
      if (isNonFinite(e.data)) {
        // ajv refuses NaN and ±Infinity for type number/integer (strictNumbers).
        return problemAt(source, ptr, `expected a finite ${String(e.params.type) === 'integer' ? 'whole number' : 'number'}, got ${describeValue(e.data)}`,
          'NaN and infinity cannot be checked against any range; write a plain number');
      }
      return problemAt(source, ptr, `expected ${String(e.params.type).replace(/,/g, ' or ')}, got ${describeValue(e.data)}`);
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      return problemAt(source, ptr, `expected one of ${allowed.join(' | ')}, got ${describeValue(e.data)}`,
        typeof e.data === 'string' ? suggestionFor(e.data, allowed, 'value') : undefined);
    }
    case 'const':
      return problemAt(source, ptr, `expected ${JSON.stringify(e.params.allowedValue)}, got ${describeValue(e.data)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const range = describeRange(e.parentSchema as NumberSchema | undefined);
      return problemAt(source, ptr, `expected ${range}, got ${describeValue(e.data)}`, rangeHint(Number(e.params.limit)));
    }
    case 'minItems':
      return problemAt(source, ptr, `expected at least ${String(e.params.limit)} item(s), got ${(e.data as unknown[]).length}`);
    case 'minLength':
      return problemAt(source, ptr, 'expected a non-empty string');
    case 'minProperties':
    case 'maxProperties':
      if (schema?.maxProperties === 1) {
        const keys = Object.keys(schema.properties ?? {});
        const given = e.data && typeof e.data === 'object' ? Object.keys(e.data) : [];
        return problemAt(source, ptr, `expected exactly one of ${keys.join(', ')}, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
          given.length > 1 ? `keep one of ${given.join(', ')}` : undefined);
      }
      return problemAt(source, ptr, `expected at least ${String(e.params.limit)} entr${e.params.limit === 1 ? 'y' : 'ies'}`);
    case 'pattern':
      return problemAt(source, ptr, `expected ${describePattern(String(e.params.pattern))}, got ${describeValue(e.data)}`);
    case 'propertyNames': {
      const key = String(e.params.propertyName);
      const inner = (schema as { propertyNames?: { pattern?: string } } | undefined)?.propertyNames?.pattern;
      return problemAt(source, `${ptr}/${key}`, `invalid key "${key}"`, inner ? `use ${describePattern(inner)}` : undefined, true);
    }
    case 'anyOf':
      return problemAt(source, ptr, `expected a string or a list of strings, got ${describeValue(e.data)}`);
    case 'integer':
      return problemAt(source, ptr, `expected a whole number, got ${describeValue(e.data)}`);
    default:
      return problemAt(source, ptr, e.message ?? `invalid (${e.keyword})`);
  }
}
