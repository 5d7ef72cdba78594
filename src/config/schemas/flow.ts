import { exactNumber, maxRepeat, namePattern, scalar, timeoutSeconds } from './common.js';

/** Limits on one numeric metric of a step (inclusive, as OpenHTF's `in_range`); at least one bound. */
export const metricLimit = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    min: { ...exactNumber, description: 'Lowest passing value (inclusive); below it the step is failed.' },
    max: { ...exactNumber, description: 'Highest passing value (inclusive); above it the step is failed.' },
    marginal_min: { ...exactNumber, description: 'Lowest value that passes cleanly (inclusive); between min and this the step passes as marginal.' },
    marginal_max: { ...exactNumber, description: 'Highest value that passes cleanly (inclusive); between this and max the step passes as marginal.' },
  },
} as const;

/** `flows/<name>.yaml`: an ordered list of diagnostic steps. */
export const flowSchema = {
  $id: 'urn:road-runner:flow',
  title: 'road_runner flow',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'steps'],
  properties: {
    name: { type: 'string', pattern: namePattern },
    description: { type: 'string' },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'adapter'],
        properties: {
          id: { type: 'string', pattern: namePattern },
          adapter: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          params: { type: 'object', additionalProperties: scalar },
          sweep: { type: 'object', additionalProperties: { type: 'array', minItems: 1, items: scalar } },
          repeat: { type: 'integer', minimum: 1, maximum: maxRepeat },
          timeout_s: timeoutSeconds,
          on_fail: { enum: ['stop', 'continue'] },
          limits: {
            type: 'object',
            propertyNames: { minLength: 1 },
            additionalProperties: metricLimit,
          },
        },
      },
    },
  },
} as const;
