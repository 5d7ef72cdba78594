import { maxExactNumber, maxTimeoutS, rangeBound, railNamePattern } from './common.js';

// The body shared by the site policy and a hardware profile's `policy`.
export const policyBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bounds: { type: 'object', propertyNames: { pattern: railNamePattern }, additionalProperties: rangeBound },
    params: {
      type: 'object',
      propertyNames: { pattern: '^[^.]+\\.[^.]+$' },
      additionalProperties: rangeBound,
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_subruns: { type: 'integer', minimum: 1, maximum: maxExactNumber },
        max_step_timeout_s: { type: 'number', exclusiveMinimum: 0, maximum: maxTimeoutS },
        max_step_invocations: {
          type: 'integer',
          minimum: 1,
          maximum: maxExactNumber,
          description: 'Most step invocations a plan may hold (sub-runs × steps per sub-run); default 1,000,000.',
        },
      },
    },
    require_bounds_for_all_rails: { type: 'boolean' },
  },
} as const;

/** `health` of the site policy: what hardware-health readings make of a sub-run (SPEC §5.3). */
export const healthPolicySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'What the hardware-health readings taken around every sub-run (EDAC memory-error counters, '
    + 'machine-check and hardware-error lines of the kernel log) make of it. An uncorrected error always fails the sub-run.',
  properties: {
    corrected_errors: {
      enum: ['record', 'marginal', 'fail'],
      description: 'A new corrected memory error (EDAC ce_count) or hardware-error line in the kernel log during a sub-run: '
        + '`record` keeps the delta and leaves the status alone, `marginal` (the default when absent) makes a passing sub-run marginal, '
        + '`fail` fails it.',
    },
  },
} as const;

/** `policy/safety.yaml`: the site's hard electrical and run limits. */
export const safetyPolicySchema = {
  ...policyBodySchema,
  $id: 'urn:road-runner:safety-policy',
  title: 'road_runner site safety policy',
  properties: { ...policyBodySchema.properties, description: { type: 'string' }, health: healthPolicySchema },
} as const;

/** `policy/profiles/*.yaml`: bounds for one kind of host, picked by matching lscpu/uname. */
export const hardwareProfileSchema = {
  $id: 'urn:road-runner:hardware-profile',
  title: 'road_runner hardware profile',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'policy'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    priority: { type: 'integer', minimum: -maxExactNumber, maximum: maxExactNumber },
    match: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cpu_model_contains: {
          anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
        },
        vendor: { type: 'string' },
        arch: { type: 'string' },
        min_cores: { type: 'integer', minimum: 1, maximum: maxExactNumber },
        max_cores: { type: 'integer', minimum: 1, maximum: maxExactNumber },
        kernel_min: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$' },
        flags_include: { type: 'array', items: { type: 'string' } },
      },
    },
    policy: policyBodySchema,
  },
} as const;

/** A saved host (`road_runner detect --save FILE`): the raw texts of lscpu and uname -a. */
export const hostFileSchema = {
  $id: 'urn:road-runner:host',
  title: 'road_runner saved host',
  type: 'object',
  additionalProperties: false,
  required: ['lscpu', 'uname'],
  properties: {
    lscpu: { type: 'string', minLength: 1 },
    uname: { type: 'string', minLength: 1 },
  },
} as const;
