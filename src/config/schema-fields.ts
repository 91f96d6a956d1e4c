/**
 * Small constructors for schema fields, shared by the section files
 * (`schema.ts` and the `schema-*.ts` section files). Their return types
 * keep what `ValueOf` in `schema-spec.ts` needs, e.g. an enum's literal values.
 */
import type { BooleanField, EnumField, IntegerField, OptionalBooleanField, OptionalStringField, StringField, StringListField } from './schema-spec.js';

export const int = (min: number, max: number, def: number, description: string, extra: Partial<IntegerField> = {}): IntegerField => ({
  type: 'integer', min, max, default: def, description, ...extra,
});

export const bool = (def: boolean, description: string): BooleanField => ({ type: 'boolean', default: def, description });

export const str = (def: string, description: string, minLength = 1, maxLength = 256): StringField => ({
  type: 'string', minLength, maxLength, default: def, description,
});

export const oneOf = <const V extends string | number>(values: readonly V[], def: NoInfer<V>, description: string): EnumField<V> => ({
  type: 'enum', values, default: def, description,
});

/** A string whose absence means something (documented in `description`), e.g. an optional file path. */
export const optStr = (description: string, maxLength = 4096): OptionalStringField => ({
  type: 'string', optional: true, minLength: 1, maxLength, default: undefined, description,
});

/** A boolean whose absence means something (documented in `description`). */
export const optBool = (description: string): OptionalBooleanField => ({ type: 'boolean', optional: true, default: undefined, description });

/** A list of non-empty strings, empty by default. */
export const strings = (description: string, maxLength = 65535): StringListField => ({ type: 'strings', minItems: 0, maxLength, default: [], description });
