/**
 * What a cloud is to the rest of Midge (`CloudDefinition`): its name in
 * `bridges[].type`, its own keys of a bridge entry (schema fields, so the
 * config schema, its TypeScript type and docs/configuration.md get them),
 * its defaults, and how a validated entry becomes its `CloudProfile`.
 * Each cloud module (`generic.ts`, `aws.ts`, `azure.ts`) exports one, and
 * `registry.ts` lists them; nothing else names a cloud.
 *
 * Imports only the schema vocabulary (`config/schema-spec.ts`, leaves), never
 * the config schema itself, so the schema can be built from the registry.
 */
import type { ConfigOf, Fields } from '../config/schema-spec.js';
import { ERR, BridgeError } from '../errors.js';
import type { CloudProfile } from './types.js';

/** The keys every bridge entry has that a cloud may read (a subset of `bridges[]`; config/bridge-plan.ts checks that). */
export interface CloudEntry {
  readonly addresses: readonly string[];
  readonly protocol_version: 'mqttv311' | 'mqttv50';
  readonly client_id: string | undefined;
  readonly keepalive: number;
  readonly clean_session: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly certfile: string | undefined;
  readonly keyfile: string | undefined;
}

export interface CloudContext {
  /** The bridge's name (`bridges[].name`), already checked. */
  name: string;
  /** This host's name, for default client ids. */
  hostname: string;
  /** The first of `addresses`, parsed; undefined when none is given. */
  address: { host: string; port: number } | undefined;
  /** Clock (ms since the epoch) for credentials that expire (SAS tokens); tests inject one. */
  now: (() => number) | undefined;
}

/** A problem with one key of a bridge entry, found by a cloud. */
export class CloudKeyError extends BridgeError {
  constructor(message: string, readonly key: string) {
    super(message, ERR.BRIDGE_CONFIG);
  }
}

export interface CloudDefinition<T extends string = string, F extends Fields = Fields> {
  /** The value of `bridges[].type`. */
  readonly type: T;
  /** One phrase for the schema's description of `type`, e.g. `aws (AWS IoT Core rules and limits)`. */
  readonly summary: string;
  /** Keys only this cloud reads, by convention prefixed with its name where they could be mistaken (`aws_port`). */
  readonly fields: F;
  /** `tls` unset: TLS on. */
  readonly tlsByDefault: boolean;
  /** `notifications` unset: the state topic is published. */
  readonly notificationsByDefault: boolean;
  /** Where `message_id: auto` puts the stable message id. */
  autoMessageId(v5: boolean): 'none' | 'user-property';
  /** The profile for a validated entry; throws `CloudKeyError` naming the key at fault. */
  create(entry: CloudEntry & ConfigOf<F>, context: CloudContext): CloudProfile;
}

/** The value of a key a cloud requires, or a `CloudKeyError` saying what it is for. */
export function need<E, K extends keyof E & string>(entry: E, key: K, why: string): NonNullable<E[K]> {
  const value = entry[key];
  if (value === undefined || value === null) throw new CloudKeyError(`required ${why}`, key);
  return value as NonNullable<E[K]>;
}

/** Runs `build`, turning any other error into a `CloudKeyError` on `key(message)`. */
export function withKey(build: () => CloudProfile, key: (message: string) => string): CloudProfile {
  try {
    return build();
  } catch (err) {
    if (err instanceof CloudKeyError) throw err;
    const message = (err as Error).message;
    throw new CloudKeyError(message, key(message));
  }
}
