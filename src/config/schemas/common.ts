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

export const scalar = { type: ['string', 'number', 'boolean'] } as const;

export const rangeBound = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    min: { type: 'number' },
    max: { type: 'number' },
  },
} as const;
