import { Ajv2020 } from 'ajv/dist/2020.js';
import { schemas, type SchemaKind } from './schemas/index.js';
import type { Validators } from './validate.js';

/** ajv options for every schema: strict, all errors at once, the failing schema in each error. */
export const ajvOptions = { allErrors: true, strict: true, verbose: true, allowUnionTypes: true } as const;

/** Compiles all input schemas with ajv (unknown keys are rejected by the schemas themselves). */
export function compileValidators(): Validators {
  const ajv = new Ajv2020({ ...ajvOptions });
  const out = {} as Validators;
  for (const [kind, schema] of Object.entries(schemas)) out[kind as SchemaKind] = ajv.compile(schema);
  return out;
}
