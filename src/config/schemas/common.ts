// Building blocks shared by several input schemas.

export const namePattern = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
export const railNamePattern = '^[a-z][a-z0-9_]*$';

export const stringList = { type: 'array', items: { type: 'string' } } as const;

export const envMap = {
  type: 'object',
  description: 'Extra environment variables given to the executable.',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: { type: 'string' },
} as const;

/**
 * The largest magnitude a number in an input may have: 2^53 - 1. Beyond it a number is not
 * exact (2^53 + 1 reads as 2^53). NaN and Infinity (YAML `.nan`, `.inf`) are refused by ajv
 * itself (strictNumbers), so `type: number` already means a finite number.
 */
export const maxExactNumber = Number.MAX_SAFE_INTEGER;

/** The longest timer Node.js can set, in ms (2^31 - 1); a longer one fires after 1 ms. */
export const maxTimerMs = 2_147_483_647;

/** The longest timeout in seconds an input may give: whole ms within the timer range. */
export const maxTimeoutS = Math.floor(maxTimerMs / 1000);

/** Largest `repeat` of one flow step (the whole plan is also counted against limits). */
export const maxRepeat = 1_000_000;

/** A finite number that is exact (|x| <= 2^53 - 1). */
export const exactNumber = { type: 'number', minimum: -maxExactNumber, maximum: maxExactNumber } as const;

/** A timeout in seconds: more than 0, and within the timer range. */
export const timeoutSeconds = { type: 'number', exclusiveMinimum: 0, maximum: maxTimeoutS } as const;

/** A duration in whole milliseconds, within the timer range. */
export const durationMs = { type: 'integer', minimum: 0, maximum: maxTimerMs } as const;

export const scalar = { type: ['string', 'number', 'boolean'], minimum: -maxExactNumber, maximum: maxExactNumber } as const;

export const rangeBound = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    min: exactNumber,
    max: exactNumber,
  },
} as const;
