import { maxRepeat, namePattern, scalar, timeoutSeconds } from './common.js';

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
        },
      },
    },
  },
} as const;
