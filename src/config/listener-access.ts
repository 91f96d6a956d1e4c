/**
 * Who may connect to a listener without credentials, resolved once for the
 * broker, the start-up log and `midge check-config`. As in mosquitto,
 * `allow_anonymous` unset means true only on a local-only listener (loopback
 * or Unix socket) and only when no password file is configured.
 */
import { isLoopbackHost } from './schema.js';
import type { AuthConfig, ListenerConfig, MidgeConfig } from './types.js';

/** The listener's resolved `allow_anonymous`. */
export function allowsAnonymous(listener: ListenerConfig, auth: Pick<AuthConfig, 'password_file'>): boolean {
  return listener.allow_anonymous ?? (!auth.password_file && (listener.socket_path !== undefined || isLoopbackHost(listener.host)));
}

/**
 * Listeners no client can get into: anonymous clients refused and nothing
 * to check a user name against (no password file, no client certificate as
 * identity). Without an integrator's `authenticate` hook every CONNECT there
 * is refused (5 / 0x87), as mosquitto does.
 */
export function closedListeners(config: Pick<MidgeConfig, 'listeners' | 'auth'>): ListenerConfig[] {
  return config.listeners.filter(
    (l) => identityWithoutCertificate(l) || (!config.auth.password_file && !allowsAnonymous(l, config.auth) && !takesIdentity(l)),
  );
}

/** use_identity_as_username or use_subject_as_username: the username comes from the client certificate. */
export function takesIdentity(listener: ListenerConfig): boolean {
  return listener.use_identity_as_username || listener.use_subject_as_username;
}

/** An identity option without require_certificate: no certificate is asked for (as mosquitto), so every CONNECT is refused. */
function identityWithoutCertificate(listener: ListenerConfig): boolean {
  return takesIdentity(listener) && !listener.require_certificate;
}

/** What to tell the operator about a listener `closedListeners` returned. */
export function closedListenerWarning(listener: ListenerConfig): string {
  if (identityWithoutCertificate(listener)) {
    const key = listener.use_identity_as_username ? 'use_identity_as_username' : 'use_subject_as_username';
    return (
      `listener ${listenerAddress(listener)}: ${key} without require_certificate asks no client for a certificate (as mosquitto), ` +
      'so every client is refused with bad user name or password (set require_certificate true)'
    );
  }
  return (
    `listener ${listenerAddress(listener)}: allow_anonymous is false and no password file is configured, so no client can connect ` +
    '(set auth.password_file, or password_file in mosquitto.conf, see `midge passwd`; or allow_anonymous true)'
  );
}

/** `127.0.0.1:1883`, `[::]:1883`, or the Unix socket path. */
export function listenerAddress(listener: Pick<ListenerConfig, 'host' | 'port' | 'socket_path'>): string {
  if (listener.socket_path !== undefined) return listener.socket_path;
  return listener.host.includes(':') ? `[${listener.host}]:${listener.port}` : `${listener.host}:${listener.port}`;
}

/** What `midge check-config` and the start-up log say when mqtt.check_retain_source has no ACL to check against. */
export const RETAIN_SOURCE_WITHOUT_ACL =
  'mqtt.check_retain_source (check_retain_source) has no effect: no ACL file is configured (auth.acl_file or a listener acl_file), so every publisher may write every topic';

/** check_retain_source is on and no ACL file is configured (an embedding application's authorizePublish hook may still be). */
export function retainSourceWithoutAcl(config: Pick<MidgeConfig, 'listeners' | 'auth' | 'mqtt'>): boolean {
  return config.mqtt.check_retain_source && !config.auth.acl_file && !config.listeners.some((l) => l.acl_file);
}
