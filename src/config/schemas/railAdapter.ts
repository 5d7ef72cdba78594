import { envMap, namePattern, railNamePattern, stringList } from './common.js';

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
    nominal: { type: 'number' },
    tolerance: { type: 'number', minimum: 0 },
    settle_ms: { type: 'integer', minimum: 0 },
    timeout_s: { type: 'number', exclusiveMinimum: 0 },
    env: envMap,
  },
} as const;
