/**
 * Reading the PEM files a config names and checking that they fit
 * together, shared by the listeners (at start and on SIGHUP), the bridge
 * links and `midge check-config`: one wording for an unreadable file, a
 * certificate that does not parse, an encrypted key and a key that does
 * not belong to its certificate.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { describeFsError } from '../fs-error.js';

/** Where a certificate and its key are configured: the config keys of each, e.g. `listeners[0].certfile`. */
export interface PairKeys {
  certKey: string;
  keyKey: string;
}

/** Reads a file the config names; an unreadable file is a `ConfigError` on `key`. */
export function readConfiguredFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${describeFsError(err)}`, { key });
  }
}

/** Parses the first certificate of a PEM file (a chain starts with the leaf). */
export function parseCertificate(pem: Buffer, path: string, key: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new ConfigError(`${path} is not a PEM certificate: ${errorText(err)}`, { key });
  }
}

/**
 * Checks that `keyPem` is an unencrypted private key and the one of
 * `cert`. Returns nothing; every problem is a `ConfigError` that says what to do.
 */
export function checkKeyPair(cert: X509Certificate, keyPem: Buffer, paths: { certfile: string; keyfile: string }, keys: PairKeys): void {
  // checked before OpenSSL sees the key: on a terminal it would prompt for the passphrase
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyPem.toString('latin1'))) {
    throw new ConfigError(
      `${paths.keyfile} is encrypted with a passphrase, which Midge cannot ask for: write it unencrypted (openssl pkey -in ${paths.keyfile} -out key.pem) and keep it mode 0600`,
      { key: keys.keyKey },
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    throw new ConfigError(`${paths.keyfile} is not a PEM private key: ${errorText(err)}`, { key: keys.keyKey });
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      `${paths.keyfile} is not the private key of ${paths.certfile} (${cert.subject.replace(/\n/g, ', ')}): point ${keys.keyKey} and ${keys.certKey} at a matching pair`,
      { key: keys.keyKey },
    );
  }
}

/** Checks that a CA file holds at least one certificate. */
export function checkCaFile(pem: Buffer, path: string, key: string): void {
  parseCertificate(pem, path, key);
}

export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${err.message} (${code})` : err.message;
}
