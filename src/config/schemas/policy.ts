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

/** `policy/safety.yaml`: the site's hard electrical and run limits. */
export const safetyPolicySchema = {
  ...policyBodySchema,
  $id: 'urn:road-runner:safety-policy',
  title: 'road_runner site safety policy',
  properties: { ...policyBodySchema.properties, description: { type: 'string' } },
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
