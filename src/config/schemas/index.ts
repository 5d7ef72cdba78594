import type { FromSchema } from 'json-schema-to-ts';
import { diagAdapterSchema, paramSpecSchema } from './diagAdapter.js';
import { flowSchema, metricLimit } from './flow.js';
import { marginSchema, railSpecSchema } from './margin.js';
import { hardwareProfileSchema, hostFileSchema, policyBodySchema, safetyPolicySchema } from './policy.js';
import { railAdapterSchema } from './railAdapter.js';

// The schemas are the single source of truth: every input type below derives from them.
export type DiagAdapter = FromSchema<typeof diagAdapterSchema>;
export type RailAdapter = FromSchema<typeof railAdapterSchema>;
export type ParamSpec = FromSchema<typeof paramSpecSchema>;
export type Flow = FromSchema<typeof flowSchema>;
export type FlowStep = Flow['steps'][number];
export type MetricLimit = FromSchema<typeof metricLimit>;
/** A flow step's `limits`: metric name → its limits. */
export type StepLimits = Record<string, MetricLimit>;
export type Margin = FromSchema<typeof marginSchema>;
export type RailSpec = FromSchema<typeof railSpecSchema>;
export type PolicyBody = FromSchema<typeof policyBodySchema>;
export type SafetyPolicy = FromSchema<typeof safetyPolicySchema>;
export type HardwareProfile = FromSchema<typeof hardwareProfileSchema>;
export type HostFile = FromSchema<typeof hostFileSchema>;
export type Scalar = string | number | boolean;

/** Every kind `road_runner schema KIND` can print, with its schema. */
export const schemas = {
  'diag-adapter': diagAdapterSchema,
  'rail-adapter': railAdapterSchema,
  flow: flowSchema,
  margin: marginSchema,
  'safety-policy': safetyPolicySchema,
  'hardware-profile': hardwareProfileSchema,
  host: hostFileSchema,
} as const;
export type SchemaKind = keyof typeof schemas;
export const schemaKinds = Object.keys(schemas) as SchemaKind[];
