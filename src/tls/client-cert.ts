/**
 * Client certificates on mutual-TLS listeners: the verification verdict
 * OpenSSL reached during the handshake (expired, revoked, unknown CA, none
 * sent) and the identity (Common Name) used as username.
 */
import type { TLSSocket } from 'node:tls';
import { explainTlsError } from './tls-errors.js';

export type ClientCertVerdict = { ok: true; identity: string | undefined } | { ok: false; reason: string };

/** Verdict for a socket whose handshake just finished on a `requestCert` server. */
export function verifyClientCertificate(socket: TLSSocket): ClientCertVerdict {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return { ok: false, reason: 'no client certificate' };
  if (!socket.authorized) return { ok: false, reason: describeAuthorizationError(socket.authorizationError) };
  const cn = peer.subject?.CN;
  return { ok: true, identity: Array.isArray(cn) ? cn[0] : cn };
}

/** The verify code in words with what to fix (tls-errors.ts), or the code itself. */
function describeAuthorizationError(err: Error | string | undefined): string {
  const code = typeof err === 'string' ? err : (err as NodeJS.ErrnoException | undefined)?.code ?? err?.message ?? 'unknown';
  return explainTlsError(code, 'listener') ?? code;
}
