/**
 * Certificate revocation lists, checked by Midge rather than by OpenSSL.
 *
 * Node's `crl` option turns on OpenSSL's CRL check for the whole chain
 * (X509_V_FLAG_CRL_CHECK_ALL, not configurable), so a crlfile that holds
 * only the signing CA's CRL refuses every client certificate under a
 * root -> signing CA chain (UNABLE_TO_GET_CRL for the signing CA). mosquitto
 * sets X509_V_FLAG_CRL_CHECK: the client's own certificate only. So the
 * listener gives OpenSSL no CRL and this module checks, after OpenSSL has
 * verified the chain:
 * - the client certificate: a CRL from its issuer must be in the file,
 *   signed by the issuer's key, current, and must not list its serial
 *   (as mosquitto: no CRL for the issuer refuses, UNABLE_TO_GET_CRL);
 * - each CA certificate of the chain whose issuer also has a CRL in the
 *   file, the same way (so a full-chain CRL file still refuses a client
 *   under a revoked signing CA, as before).
 * Node has no CRL parser: the DER is read by der.ts and the signature
 * checked with crypto.verify against the issuer's public key.
 */
import { verify, X509Certificate } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { certFields } from './cert-fields.js';
import { childrenOf, contentOf, DerError, encodingOf, expectTag, oidOf, readTlv, TAG, timeOf } from './der.js';

export interface Crl {
  /** DER of the issuer Name. */
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** Revoked serial numbers: content bytes of the INTEGER, hex. */
  revoked: Set<string>;
  tbs: Buffer;
  /** Digest for crypto.verify (null: the key type decides, Ed25519/Ed448). */
  digest: string | null;
  signature: Buffer;
  /** Issuer certificates (by SHA-256 fingerprint) whose key did or did not verify the signature. */
  verdicts: Map<string, boolean>;
}

/** OpenSSL's verify codes, as Node reports them in authorizationError. */
export type CrlFailure = 'CERT_REVOKED' | 'UNABLE_TO_GET_CRL' | 'CRL_HAS_EXPIRED' | 'CRL_NOT_YET_VALID' | 'CRL_SIGNATURE_FAILURE';

const DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha1', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

/** One DER CertificateList (RFC 5280 5.1). */
export function parseCrl(der: Buffer): Crl {
  const list = childrenOf(expectTag(readTlv(der), TAG.SEQUENCE, 'CertificateList'));
  const tbsTlv = expectTag(list[0], TAG.SEQUENCE, 'tbsCertList');
  const algorithm = oidOf(childrenOf(expectTag(list[1], TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  if (!(algorithm in DIGESTS)) throw new DerError(`signature algorithm ${algorithm} is not supported (use RSA PKCS#1 v1.5, ECDSA or Ed25519)`);
  const bits = contentOf(expectTag(list[2], TAG.BIT_STRING, 'signatureValue'));
  if (bits[0] !== 0) throw new DerError('signature has unused bits');
  const tbs = childrenOf(tbsTlv);
  let i = tbs[0]?.tag === TAG.INTEGER ? 1 : 0; // version is optional (v1 CRLs)
  i++; // signature AlgorithmIdentifier (the same as signatureAlgorithm)
  const issuer = encodingOf(expectTag(tbs[i++], TAG.SEQUENCE, 'issuer'));
  const thisUpdate = timeOf(tbs[i++]!);
  let nextUpdate: Date | undefined;
  if (tbs[i]?.tag === TAG.UTC_TIME || tbs[i]?.tag === TAG.GENERALIZED_TIME) nextUpdate = timeOf(tbs[i++]!);
  const revoked = new Set<string>();
  if (tbs[i]?.tag === TAG.SEQUENCE) {
    for (const entry of childrenOf(tbs[i++]!)) {
      revoked.add(contentOf(expectTag(childrenOf(entry)[0], TAG.INTEGER, 'userCertificate')).toString('hex'));
    }
  }
  return { issuer, thisUpdate, nextUpdate, revoked, tbs: encodingOf(tbsTlv), digest: DIGESTS[algorithm]!, signature: bits.subarray(1), verdicts: new Map() };
}

/** Every CRL of a crlfile: PEM blocks (`X509 CRL`), or one DER CRL. Errors name the config key. */
export function parseCrlFile(data: Buffer, path: string, key: string): Crl[] {
  const text = data.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)].map((m) => Buffer.from(m[1]!, 'base64'));
  if (blocks.length === 0 && data[0] === TAG.SEQUENCE) blocks.push(Buffer.from(data));
  if (blocks.length === 0) throw new ConfigError(`${path} holds no CRL (expected PEM "BEGIN X509 CRL" blocks)`, { key });
  return blocks.map((der, n) => {
    try {
      return parseCrl(der);
    } catch (err) {
      throw new ConfigError(`${path}: CRL ${n + 1} does not parse: ${err instanceof Error ? err.message : String(err)}`, { key });
    }
  });
}

/**
 * Checks a verified chain (leaf first, then each issuer; DER) against the
 * CRLs. Returns undefined when the chain passes, else OpenSSL's code for
 * the first failure.
 */
export function checkRevocation(chain: readonly Buffer[], crls: readonly Crl[], now = new Date()): CrlFailure | undefined {
  for (let depth = 0; depth + 1 < chain.length || depth === 0; depth++) {
    const cert = certFields(chain[depth]!);
    const issuerDer = chain[depth + 1];
    const named = crls.filter((crl) => crl.issuer.equals(cert.issuer));
    if (named.length === 0 || issuerDer === undefined) {
      if (depth === 0) return 'UNABLE_TO_GET_CRL'; // the client's own certificate must be covered, as mosquitto
      continue; // a CA certificate is checked only when its issuer's CRL is in the file
    }
    const issuer = new X509Certificate(issuerDer);
    const signed = named.filter((crl) => signedBy(crl, issuer));
    if (signed.length === 0) return 'CRL_SIGNATURE_FAILURE';
    if (signed.some((crl) => crl.revoked.has(cert.serial))) return 'CERT_REVOKED';
    if (signed.every((crl) => crl.thisUpdate > now)) return 'CRL_NOT_YET_VALID';
    if (signed.every((crl) => crl.nextUpdate !== undefined && crl.nextUpdate < now)) return 'CRL_HAS_EXPIRED';
  }
  return undefined;
}

function signedBy(crl: Crl, issuer: X509Certificate): boolean {
  const known = crl.verdicts.get(issuer.fingerprint256);
  if (known !== undefined) return known;
  let ok = false;
  try {
    ok = verify(crl.digest, crl.tbs, issuer.publicKey, crl.signature);
  } catch {
    ok = false; // a key type that cannot have made this signature
  }
  crl.verdicts.set(issuer.fingerprint256, ok);
  return ok;
}
