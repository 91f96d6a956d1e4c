/**
 * Typed async-capable hooks that integrators (and the password/ACL module)
 * plug into. Defaults allow everything the listener's anonymous policy allows.
 */
import type { StoredMessage } from '../persistence/types.js';

export interface ClientInfo {
  clientId: string;
  username: string | undefined;
  remoteAddress: string;
  listener: string;
  /** Index in `listeners[]` of the listener the client came through (unknown for a session restored without a connection). */
  listenerIndex?: number;
  /**
   * The listener's policy for clients without a user name (`allow_anonymous`,
   * resolved): set for `authenticate`, which decides about anonymous clients
   * itself once it is installed.
   */
  allowAnonymous?: boolean;
  /** The username is the client certificate's Common Name (use_identity_as_username): TLS already authenticated it. */
  identityFromCertificate?: boolean;
}

export interface AuthResult {
  ok: boolean;
  /** v5 reason code when refused (0x86 bad user name or password, 0x87 not authorized). */
  reasonCode?: number;
}

export interface BrokerHooks {
  /** Called for every CONNECT after protocol checks. */
  authenticate?(client: ClientInfo, password: Buffer | undefined): AuthResult | Promise<AuthResult>;
  /** Synchronous: called for every inbound PUBLISH (and will). */
  authorizePublish?(client: ClientInfo, topic: string): boolean;
  /** Called for each filter of a SUBSCRIBE. */
  authorizeSubscribe?(client: ClientInfo, filter: string): boolean;
  /** Synchronous: may a message be delivered to this client (ACL read)? */
  authorizeRead?(client: ClientInfo, topic: string): boolean;
  /** Observation: a message was accepted for routing. */
  onPublish?(message: StoredMessage, client: ClientInfo | null): void;
  /** Observation: a client's CONNECT was accepted (its CONNACK is sent). */
  onConnect?(client: ClientInfo): void;
  /** Observation: the network connection of a connected client closed, whatever the cause. */
  onDisconnect?(client: ClientInfo): void;
}
