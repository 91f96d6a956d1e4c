/**
 * TLS failures in words: the OpenSSL and Node codes people meet most
 * (unknown CA, expired, wrong host name, certificate required, wrong key),
 * each as a sentence that says what to fix, with the code kept at the end.
 * Used for listener handshakes and client certificates, for bridge
 * connections (logs and status page), and nowhere else.
 */

/** `listener`: we are the server, the peer is a client. `bridge`: we are the client of a cloud broker. */
export type TlsSide = 'listener' | 'bridge';

interface Explanation {
  listener: string;
  bridge: string;
}

const NOT_TRUSTED: Explanation = {
  listener: "certificate not signed by the configured CA: issue the client's certificate from the CA in the listener's cafile, or add its CA there",
  bridge: "the server's certificate is not signed by a CA this bridge trusts: set the bridge's cafile to the CA that signed it",
};
const SELF_SIGNED: Explanation = {
  listener: 'self-signed client certificate: issue it from the CA in the listener\'s cafile',
  bridge: "the server's certificate is self-signed: set the bridge's cafile to that certificate (or its CA)",
};

const BY_CODE: Record<string, Explanation> = {
  CERT_HAS_EXPIRED: {
    listener: 'certificate has expired: the client needs a new certificate (or a clock is wrong)',
    bridge: "the server's certificate has expired (or this machine's clock is wrong: check the date)",
  },
  CERT_NOT_YET_VALID: {
    listener: 'certificate is not yet valid: check the clocks of the client and of this machine',
    bridge: "the server's certificate is not valid yet: this machine's clock is probably wrong (check the date, NTP)",
  },
  CERT_REVOKED: {
    listener: 'certificate is revoked (listed in the crlfile): the client needs a new certificate',
    bridge: "the server's certificate is revoked",
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: NOT_TRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: NOT_TRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: NOT_TRUSTED,
  SELF_SIGNED_CERT_IN_CHAIN: NOT_TRUSTED, // the chain ends in a root that is not in cafile
  DEPTH_ZERO_SELF_SIGNED_CERT: SELF_SIGNED,
  UNABLE_TO_GET_CRL: {
    listener: "no CRL for the certificate issuer: the listener's crlfile must come from the CA that signs client certificates",
    bridge: 'no CRL for the certificate issuer',
  },
  CRL_HAS_EXPIRED: {
    listener: "CRL has expired: publish a new CRL into the listener's crlfile and send SIGHUP",
    bridge: 'a CRL has expired',
  },
  CRL_NOT_YET_VALID: {
    listener: "CRL is not valid yet: check this machine's clock, or the thisUpdate of the CRL in the listener's crlfile",
    bridge: 'a CRL is not valid yet',
  },
  CRL_SIGNATURE_FAILURE: {
    listener: "the CRL in crlfile for this certificate's issuer is not signed by that issuer: put the CRL the signing CA published into the listener's crlfile",
    bridge: 'a CRL signature does not verify',
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    listener: 'the certificate is not for the host name asked for',
    bridge: "the server's certificate is not for the host name the bridge connects to: use a name from its subjectAltName in addresses, or set sni",
  },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: {
    listener: 'no client certificate: this listener requires one (require_certificate)',
    bridge: 'the server requires a client certificate: set the bridge\'s certfile and keyfile',
  },
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: {
    listener: "the client refused this listener's certificate: give the client the CA that signed certfile",
    bridge: "the server refused this bridge's client certificate: it must be signed by a CA the server trusts",
  },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: {
    listener: "the client does not trust this listener's certificate (unknown CA): give the client the CA that signed certfile",
    bridge: "the server does not trust this bridge's client certificate (unknown CA): register the certificate or its CA with the server",
  },
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: {
    listener: 'keyfile is not the private key of certfile: point both at a matching pair',
    bridge: "the bridge's keyfile is not the private key of its certfile: point both at a matching pair",
  },
};

/** Message fragments for errors that come without a usable code. */
const BY_TEXT: Array<[RegExp, string]> = [
  [/alert certificate required/i, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
  [/key values mismatch/i, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'],
  [/alert unknown ca/i, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
  [/alert bad certificate/i, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/Hostname\/IP does not match certificate/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];

/** The sentence for a known TLS failure (`(CODE)` appended), or undefined. */
export function explainTlsError(err: Error | string | undefined | null, side: TlsSide): string | undefined {
  if (err === undefined || err === null) return undefined;
  const message = typeof err === 'string' ? err : err.message;
  let code = typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? '');
  if (!BY_CODE[code]) code = BY_TEXT.find(([re]) => re.test(message))?.[1] ?? code;
  const known = BY_CODE[code];
  return known ? `${known[side]} (${code})` : undefined;
}
