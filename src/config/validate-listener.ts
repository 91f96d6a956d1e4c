/**
 * Cross-field rules of one listener (TLS, WebSockets, Unix socket) that a
 * per-field schema cannot express. Called by `validateConfig`; `fail` throws
 * a `ConfigError` naming the offending key.
 */
import type { ListenerConfig } from './types.js';

type FailAt = (message: string, key: keyof ListenerConfig) => never;

export function checkListenerOptions(l: ListenerConfig, fail: FailAt): void {
  const tls = l.certfile !== undefined || l.keyfile !== undefined;
  if (l.certfile !== undefined && l.keyfile === undefined) fail('certfile needs keyfile (the private key of the certificate)', 'certfile');
  if (l.keyfile !== undefined && l.certfile === undefined) fail('keyfile needs certfile (the server certificate)', 'keyfile');
  if (!tls) {
    for (const key of ['cafile', 'crlfile', 'ciphers'] as const) {
      if (l[key] !== undefined) fail(`${key} is a TLS setting: set certfile and keyfile to turn TLS on for this listener`, key);
    }
    if (l.require_certificate) fail('require_certificate needs TLS: set certfile and keyfile (and cafile)', 'require_certificate');
    for (const key of ['use_identity_as_username', 'use_subject_as_username'] as const) {
      if (l[key]) fail(`${key} takes the username from the TLS client certificate: set certfile, keyfile, cafile and require_certificate`, key);
    }
  }
  if (l.require_certificate && l.cafile === undefined) {
    fail('require_certificate needs cafile (the CA that signs client certificates)', 'require_certificate');
  }
  if (l.crlfile !== undefined && l.cafile === undefined) fail('crlfile needs cafile (the CA whose revocations it lists)', 'crlfile');
  if (l.ws_path !== undefined) {
    if (l.protocol !== 'websockets') fail('ws_path only applies to protocol: websockets', 'ws_path');
    if (!l.ws_path.startsWith('/')) fail(`expected a path starting with /, got '${l.ws_path}'`, 'ws_path');
  }
}
