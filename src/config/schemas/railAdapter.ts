import { durationMs, envMap, exactNumber, namePattern, railNamePattern, stringList, timeoutSeconds } from './common.js';

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
    nominal: exactNumber,
    tolerance: { ...exactNumber, minimum: 0 },
    settle_ms: durationMs,
    timeout_s: timeoutSeconds,
    env: envMap,
  },
} as const;
