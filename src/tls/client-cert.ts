/**
 * Client certificates on mutual-TLS listeners: the verification verdict
 * (OpenSSL's chain check during the handshake, then the crlfile check of
 * crl.ts) and the identity used as username (`use_identity_as_username`:
 * the Common Name; `use_subject_as_username`: the subject in RFC 2253 form).
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { certFields } from './cert-fields.js';
import { checkRevocation, type Crl } from './crl.js';
import { formatRfc2253 } from './rfc2253.js';
import { explainTlsError } from './tls-errors.js';

export type ClientCertVerdict = { ok: true } | { ok: false; reason: string };

/** Which part of the certificate becomes the username. */
export type IdentitySource = 'common-name' | 'subject';

/** Verdict for a socket whose handshake just finished on a `requestCert` server. */
export function verifyClientCertificate(socket: TLSSocket, crls: readonly Crl[]): ClientCertVerdict {
  const peer = socket.getPeerCertificate(true);
  if (!peer || Object.keys(peer).length === 0) return { ok: false, reason: 'no client certificate' };
  if (!socket.authorized) return { ok: false, reason: describeAuthorizationError(socket.authorizationError) };
  if (crls.length > 0) {
    let failure;
    try {
      failure = checkRevocation(chainOf(peer), crls);
    } catch (err) {
      return { ok: false, reason: `certificate does not parse: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (failure) return { ok: false, reason: describeAuthorizationError(failure) };
  }
  return { ok: true };
}

/**
 * The username a verified client certificate stands for, or undefined (no
 * certificate, no Common Name, a Common Name with a NUL byte: mosquitto
 * then refuses the CONNECT as bad user name or password).
 */
export function certificateIdentity(socket: TLSSocket, source: IdentitySource): string | undefined {
  const peer = socket.getPeerCertificate(true);
  if (!peer || !peer.raw) return undefined;
  if (source === 'subject') {
    try {
      return formatRfc2253(certFields(peer.raw).subject);
    } catch {
      return undefined; // a subject that does not parse as DER: no identity, refused like a missing one
    }
  }
  const cn = peer.subject?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  return first === undefined || first.includes('\0') ? undefined : first;
}

/** DER of the leaf and of each issuer Node found for it (the verified chain), leaf first. */
function chainOf(peer: DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256); // a self-signed root is its own issuer
    chain.push(cert.raw);
  }
  return chain;
}

/** The verify code in words with what to fix (tls-errors.ts), or the code itself. */
function describeAuthorizationError(err: Error | string | undefined): string {
  const code = typeof err === 'string' ? err : (err as NodeJS.ErrnoException | undefined)?.code ?? err?.message ?? 'unknown';
  return explainTlsError(code, 'listener') ?? code;
}
