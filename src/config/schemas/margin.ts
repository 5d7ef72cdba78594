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

const positiveNumber = { ...exactNumber, exclusiveMinimum: 0 } as const;

/** The `search` block (SPEC §10): find the boundary along one rail instead of running every point. */
export const searchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rail', 'strategy', 'resolution'],
  description: 'Search for the boundary along one rail instead of running the whole grid; every point stays planned and checked against the bounds.',
  properties: {
    rail: { type: 'string', pattern: railNamePattern, description: 'The searched rail: its sweep in the `default` target is the lattice; every other swept rail makes the columns.' },
    direction: { enum: ['down', 'up'], default: 'down', description: 'down: lowest passing value (Vmin), safe end is the highest value · up: highest passing value (Fmax), safe end is the lowest.' },
    strategy: { enum: ['edge', 'binary', 'linear', 'coarse-fine'], description: 'edge: start each column at the previous column\'s boundary · binary: bisect · linear: step from the safe end · coarse-fine: coarse steps from the safe end, then bisect.' },
    resolution: { ...positiveNumber, description: 'Stop a column when its first fail and last pass are this close (rail units).' },
    coarse_step: { ...positiveNumber, description: 'coarse-fine only: the coarse step from the safe end (rail units), a multiple of the lattice step in effect.' },
    confirm: { type: 'integer', minimum: 1, maximum: 1000, default: 1, description: 'A point passes only after this many passes in a row.' },
    retest: { type: 'integer', minimum: 0, maximum: 1000, default: 0, description: 'A failing point is run this many more times ("failed k of n").' },
    guard_band: { ...exactNumber, minimum: 0, default: 0, description: 'Reported boundary = confirmed boundary moved this far to the safe side (rail units).' },
    explore: { enum: ['confirmed', 'single'], default: 'confirmed', description: 'confirmed: every point the strategy visits is confirmed before the next · single: the strategy\'s probes run once to find the edge, then only the points next to it are confirmed, walking to it from the passing side.' },
    screen: { type: 'integer', minimum: 0, maximum: 1000, default: 0, description: 'explore: single only: a point the confirming walk reaches by stepping past a confirmed pass first gets this many single runs (purpose probe); a fail there decides it, its passes do not count towards confirm.' },
    trend_min: { type: 'integer', minimum: 2, maximum: 1000, default: 2, description: 'edge with explore: single only: the fewest earlier boundaries a column\'s start is extrapolated from (a line through up to the last eight); with fewer, the walk starts at the previous boundary.' },
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
    search: searchSchema,
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
