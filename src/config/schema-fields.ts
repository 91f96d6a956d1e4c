/**
 * Small constructors for schema fields, shared by the section files
 * (`schema-gpio.ts`, `schema-health.ts`). Type-only imports from
 * `schema.ts`, so there is no runtime import cycle.
 */
import type { BooleanField, EnumField, IntegerField, StringField } from './schema.js';

export const int = (min: number, max: number, def: number, description: string, extra: Partial<IntegerField> = {}): IntegerField => ({
  type: 'integer', min, max, default: def, description, ...extra,
});

export const bool = (def: boolean, description: string): BooleanField => ({ type: 'boolean', default: def, description });

export const str = (def: string, description: string, minLength = 1, maxLength = 256): StringField => ({
  type: 'string', minLength, maxLength, default: def, description,
});

export const oneOf = <V extends string>(values: readonly V[], def: V, description: string): EnumField<V> => ({
  type: 'enum', values, default: def, description,
});
