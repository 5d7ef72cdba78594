import { envMap, exactNumber, maxExactNumber, namePattern, stringList, timeoutSeconds } from './common.js';

// What a process can exit with on Linux.
const exitCode = { type: 'integer', minimum: 0, maximum: 255 } as const;

// A parameter a diagnostic accepts; road_runner checks values and builds the argv itself.
export const paramSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['integer', 'number', 'string', 'boolean', 'enum'] },
    flag: { type: 'string', minLength: 1, description: 'Flag put before the value; absent: a positional value.' },
    description: { type: 'string' },
    min: exactNumber,
    max: exactNumber,
    values: { type: 'array', minItems: 1, items: { type: ['string', 'number'], minimum: -maxExactNumber, maximum: maxExactNumber } },
    pattern: { type: 'string' },
    default: { type: ['string', 'number', 'boolean'], minimum: -maxExactNumber, maximum: maxExactNumber },
    required: { type: 'boolean' },
    allow_dash: {
      type: 'boolean',
      description: 'Accept string values that begin with "-" (refused by default: they could be read as options).',
    },
  },
} as const;

/** `adapters/<name>.yaml` with `kind: diag` (the default): a diagnostic executable. */
export const diagAdapterSchema = {
  $id: 'urn:road-runner:diag-adapter',
  title: 'road_runner diagnostic adapter',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'executable'],
  properties: {
    name: { type: 'string', pattern: namePattern },
    kind: { const: 'diag' },
    description: { type: 'string' },
    executable: { type: 'string', minLength: 1 },
    search_path: { type: 'boolean', description: 'Look a bare executable name up on PATH.' },
    args: stringList,
    timeout_s: timeoutSeconds,
    env: envMap,
    params: { type: 'object', additionalProperties: paramSpecSchema },
    pass: {
      type: 'object',
      additionalProperties: false,
      properties: {
        exit_codes: { type: 'array', minItems: 1, items: exitCode },
        error_exit_codes: {
          type: 'array',
          items: exitCode,
          description: 'Exit codes meaning the test could not run (status error, not failed).',
        },
        error_unless_fail_line: {
          type: 'array',
          items: exitCode,
          description:
            'Exit codes that mean failed only when a stdout_fail_regex line was seen, and error otherwise: for tools that ' +
            'exit with the same code on a usage problem and on a hardware failure (stressapptest exits 1 for both).',
        },
        exit_code_meanings: {
          type: 'object',
          propertyNames: { pattern: '^-?[0-9]+$' },
          additionalProperties: { type: 'string' },
        },
        stdout_fail_regex: { type: 'string' },
        stdout_pass_regex: { type: 'string' },
        scan: { enum: ['stdout', 'stderr', 'both'], description: 'Stream the regexes and metrics read.' },
        strip_control: { type: 'boolean', description: 'Remove backspace/carriage-return spinners before scanning.' },
        min_work: {
          type: 'object',
          additionalProperties: false,
          required: ['metric', 'min'],
          description:
            'Guard against a step that did no work: a step whose work metric is below `min` (every instance of a ' +
            'per-instance metric is checked), or absent while `required`, is failed with the reason "did no work".',
          properties: {
            metric: { type: 'string', minLength: 1, description: 'Name of a numeric metric of this manifest (its key under `metrics`).' },
            min: { ...exactNumber, description: 'Smallest value that counts as work done (inclusive), e.g. 1 bogo op.' },
            required: {
              type: 'boolean',
              description: 'When true (the default), output without any value of the metric also means the step did no work.',
            },
          },
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['regex'],
        properties: {
          regex: { type: 'string' },
          type: { enum: ['number', 'integer', 'string'] },
          group: {
            type: 'integer',
            minimum: 1,
            maximum: 99,
            description: 'Capture group holding the value (default: group 1, or the first group other than instance_group).',
          },
          instance_group: {
            type: 'integer',
            minimum: 1,
            maximum: 99,
            description:
              'Capture group naming an instance (e.g. a stress-ng stressor): each instance is recorded as its own metric ' +
              '`<name>.<instance>` (last matching line per instance wins) instead of one value for the whole step.',
          },
        },
      },
    },
    version_cmd: { type: 'array', minItems: 1, items: { type: 'string' } },
  },
} as const;
