import { durationMs, envMap, exactNumber, namePattern, railNamePattern, stringList, timeoutSeconds } from './common.js';

/** The one string `nominal` may be instead of a number: read the rail at the start of the run. */
export const nominalReadPattern = '^read$';

/** `adapters/<name>.yaml` with `kind: rail`: an actuator that sets one rail. */
export const railAdapterSchema = {
  $id: 'urn:road-runner:rail-adapter',
  title: 'road_runner rail actuator adapter',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'rail', 'executable', 'set', 'get', 'nominal'],
  properties: {
    name: { type: 'string', pattern: namePattern },
    kind: { const: 'rail' },
    description: { type: 'string' },
    rail: { type: 'string', pattern: railNamePattern },
    executable: { type: 'string', minLength: 1 },
    search_path: { type: 'boolean' },
    set: { ...stringList, minItems: 1 },
    get: { ...stringList, minItems: 1 },
    // A number, or the word `read` (pattern applies to strings only, the range to numbers only).
    nominal: { type: ['number', 'string'], minimum: exactNumber.minimum, maximum: exactNumber.maximum, pattern: nominalReadPattern },
    read: {
      type: 'object',
      additionalProperties: false,
      properties: {
        regex: { type: 'string', minLength: 1 },
        json_pointer: { type: 'string' },
        hex: { type: 'boolean' },
        scale: { type: 'number', exclusiveMinimum: 0, maximum: exactNumber.maximum },
      },
    },
    tolerance: { ...exactNumber, minimum: 0 },
    settle_ms: durationMs,
    settle: {
      type: 'object',
      additionalProperties: false,
      required: ['timeout_ms'],
      properties: {
        timeout_ms: { ...durationMs, minimum: 1 },
        poll_ms: { ...durationMs, minimum: 1 },
      },
    },
    preflight: { ...stringList, minItems: 1 },
    timeout_s: timeoutSeconds,
    env: envMap,
  },
} as const;
