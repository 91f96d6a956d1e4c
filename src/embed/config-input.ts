/**
 * The configuration an embedding application passes: any part of a
 * `MidgeConfig` (keys as in midge.yaml), validated and completed with the
 * schema's defaults by `validateConfig`, the same code that reads files.
 */
import type { MidgeConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';

/** Every key optional, at every depth (list items too). */
export type DeepPartial<T> = T extends ReadonlyArray<infer U>
  ? ReadonlyArray<DeepPartial<U>>
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What `startGateway({ config })` accepts: `{}` is the built-in configuration (127.0.0.1:1883). */
export type GatewayConfigInput = DeepPartial<MidgeConfig>;

/** Validates `input` and fills the defaults; a bad key is a `ConfigError` naming it. */
export function resolveConfig(input: GatewayConfigInput | undefined): MidgeConfig {
  return validateConfig(input ?? {});
}
