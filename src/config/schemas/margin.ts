import { exactNumber, namePattern, railNamePattern } from './common.js';

// One rail inside a target: exactly one of sweep, values or fixed.
export const railSpecSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    sweep: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'stop', 'step'],
      properties: { start: exactNumber, stop: exactNumber, step: exactNumber },
    },
    values: { type: 'array', minItems: 1, items: exactNumber },
    fixed: exactNumber,
  },
} as const;

/** `margins/<name>.yaml`: which rail values to sweep, and how to combine them. */
export const marginSchema = {
  $id: 'urn:road-runner:margin',
  title: 'road_runner margin profile',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'targets'],
  properties: {
    name: { type: 'string', pattern: namePattern },
    description: { type: 'string' },
    global_seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    combine: { enum: ['grid', 'zip'] },
    targets: {
      type: 'object',
      minProperties: 1,
      description: '`default` holds rails for the whole sub-run; any other key is an adapter name.',
      additionalProperties: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: railNamePattern },
        additionalProperties: railSpecSchema,
      },
    },
    jitter: {
      type: 'object',
      propertyNames: { pattern: railNamePattern },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['amplitude'],
        properties: { amplitude: { ...exactNumber, minimum: 0 } },
      },
    },
  },
} as const;
