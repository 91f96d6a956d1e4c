/**
 * Client certificates on mutual-TLS listeners: the verification verdict
 * OpenSSL reached during the handshake (expired, revoked, unknown CA, none
 * sent) and the identity (Common Name) used as username.
 */
import type { TLSSocket } from 'node:tls';

export type ClientCertVerdict = { ok: true; identity: string | undefined } | { ok: false; reason: string };

/** Verdict for a socket whose handshake just finished on a `requestCert` server. */
export function verifyClientCertificate(socket: TLSSocket): ClientCertVerdict {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return { ok: false, reason: 'no client certificate' };
  if (!socket.authorized) return { ok: false, reason: describeAuthorizationError(socket.authorizationError) };
  const cn = peer.subject?.CN;
  return { ok: true, identity: Array.isArray(cn) ? cn[0] : cn };
}

/** OpenSSL verify codes people meet most, in words (the code is kept). */
function describeAuthorizationError(err: Error | string | undefined): string {
  const code = typeof err === 'string' ? err : (err as NodeJS.ErrnoException | undefined)?.code ?? err?.message ?? 'unknown';
  const words: Record<string, string> = {
    CERT_HAS_EXPIRED: 'certificate has expired',
    CERT_NOT_YET_VALID: 'certificate is not yet valid',
    CERT_REVOKED: 'certificate is revoked',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not signed by the configured CA',
    UNABLE_TO_GET_ISSUER_CERT: 'certificate not signed by the configured CA',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not signed by the configured CA',
    SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
    UNABLE_TO_GET_CRL: 'no CRL for the certificate issuer',
    CRL_HAS_EXPIRED: 'CRL has expired',
  };
  return words[code] ? `${words[code]} (${code})` : code;
}
