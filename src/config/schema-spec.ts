/**
 * The kinds of field a configuration schema is made of, and the mapped types
 * that turn a schema object into the TypeScript type of the configuration it
 * validates. The schema (`schema.ts` and its section files) is the one
 * source: `types.ts` only names parts of `ConfigFromSchema<typeof configSchema>`,
 * so adding a key is one edit. Section objects are written `as const` (or
 * with the helpers of `schema-fields.ts`) so enum values stay literal types.
 */

interface FieldBase<V> {
  /** Doc text: one or two sentences, plain text. */
  readonly description: string;
  /** Value used when the key is absent. */
  readonly default: V;
}

export interface IntegerField extends FieldBase<number> {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
  /** Values accepted outside `min..max`, e.g. -1 meaning "unlimited". */
  readonly also?: readonly number[];
  /** Unit for docs, e.g. `seconds`, `bytes`. */
  readonly unit?: string;
}

export interface BooleanField extends FieldBase<boolean> {
  readonly type: 'boolean';
}

/** A boolean whose absence means something (documented in `description`). */
export interface OptionalBooleanField extends FieldBase<boolean | undefined> {
  readonly type: 'boolean';
  readonly optional: true;
}

export interface StringField extends FieldBase<string> {
  readonly type: 'string';
  readonly minLength: number;
  readonly maxLength: number;
  /** `host`: an IP address or a DNS host name. */
  readonly format?: 'host';
}

/** A string whose absence means something (documented in `description`), e.g. an optional file path. */
export interface OptionalStringField extends FieldBase<string | undefined> {
  readonly type: 'string';
  readonly optional: true;
  readonly minLength: number;
  readonly maxLength: number;
  /** `host-port`: `HOST:PORT` (`[v6]:PORT` for IPv6). */
  readonly format?: 'host' | 'host-port';
}

export interface EnumField<V extends string | number = string | number> extends FieldBase<V> {
  readonly type: 'enum';
  readonly values: readonly V[];
}

/** A list of strings, e.g. upstream addresses or mosquitto-style topic lines. */
export interface StringListField extends FieldBase<readonly string[]> {
  readonly type: 'strings';
  readonly minItems: number;
  /** Longest accepted item. */
  readonly maxLength: number;
}

/** A list of mappings nested in a section or list item, e.g. `gpio.pins`. */
export interface ListField<F extends Fields = Fields> extends FieldBase<readonly object[]> {
  readonly type: 'list';
  readonly minItems: number;
  readonly item: F;
}

export type ScalarField = IntegerField | BooleanField | OptionalBooleanField | StringField | OptionalStringField | EnumField | StringListField;
export type Field = ScalarField | ListField;

/** The fields of a section or of one list entry, by key. */
export interface Fields {
  readonly [key: string]: Field;
}

export interface SectionSpec<F extends Fields = Fields> {
  readonly kind: 'section';
  readonly description: string;
  readonly fields: F;
}

/** A list of mappings; absent means `default`. */
export interface ListSpec<F extends Fields = Fields> {
  readonly kind: 'list';
  readonly description: string;
  readonly minItems: number;
  readonly item: F;
  readonly default: readonly object[];
}

export interface SchemaShape {
  readonly [section: string]: SectionSpec | ListSpec;
}

/** The resolved value of one field: defaults filled, optional ones possibly undefined. */
export type ValueOf<F> = F extends { readonly type: 'integer' }
  ? number
  : F extends { readonly type: 'boolean' }
    ? F extends { readonly optional: true } ? boolean | undefined : boolean
    : F extends { readonly type: 'string' }
      ? F extends { readonly optional: true } ? string | undefined : string
      : F extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
        ? V
        : F extends { readonly type: 'strings' }
          ? readonly string[]
          : F extends { readonly type: 'list'; readonly item: infer I extends Fields }
            ? Array<ConfigOf<I>>
            : never;

/** The resolved shape of a section or list entry described by `F`. */
export type ConfigOf<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** The resolved configuration described by a whole schema. */
export type ConfigFromSchema<S extends SchemaShape> = {
  -readonly [K in keyof S]: S[K] extends { readonly kind: 'list'; readonly item: infer F extends Fields }
    ? Array<ConfigOf<F>>
    : S[K] extends { readonly fields: infer F extends Fields }
      ? ConfigOf<F>
      : never;
};
