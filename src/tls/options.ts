/**
 * TLS settings of a listener: reads the PEM files named in the config into
 * the options of `tls.createServer` / `https.createServer`, and checks that
 * they form a usable secure context before anyone relies on them (at start,
 * and again on every SIGHUP reload).
 */
import tls from 'node:tls';
import type { ListenerConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { type Crl, parseCrlFile } from './crl.js';
import { checkCaFile, checkKeyPair, errorText, parseCertificate, readConfiguredFile } from './key-pair.js';

const MIN_VERSION = { 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' } as const;

/** True when the listener speaks TLS (MQTTS or WSS). */
export function tlsEnabled(config: ListenerConfig): boolean {
  return config.certfile !== undefined && config.keyfile !== undefined;
}

/** What a loaded server certificate is, for logs: never key material. */
export interface CertificateSummary {
  subject: string;
  serial: string;
  validTo: string;
}

export interface LoadedTls {
  options: tls.TlsOptions;
  certificate: CertificateSummary;
  /** The crlfile's CRLs: checked by client-cert.ts after the handshake, not by OpenSSL (crl.ts says why). */
  crls: Crl[];
}

/**
 * Reads the listener's certificate files and validates them (key matches
 * certificate, PEM parses, CRL parses). Problems are `ConfigError`s naming
 * `listeners[index].<key>`; nothing is half-applied.
 */
export function loadTlsOptions(config: ListenerConfig, index: number): LoadedTls {
  const key = (name: string): string => `listeners[${index}].${name}`;
  const read = (name: 'certfile' | 'keyfile' | 'cafile' | 'crlfile'): Buffer | undefined => {
    const path = config[name];
    return path === undefined ? undefined : readConfiguredFile(path, key(name));
  };
  const cert = read('certfile')!;
  const keyPem = read('keyfile')!;
  const ca = read('cafile');
  const crlPem = read('crlfile');
  const crls = crlPem ? parseCrlFile(crlPem, config.crlfile!, key('crlfile')) : [];
  const x509 = parseCertificate(cert, config.certfile!, key('certfile'));
  checkKeyPair(x509, keyPem, { certfile: config.certfile!, keyfile: config.keyfile! }, { certKey: key('certfile'), keyKey: key('keyfile') });
  if (ca) checkCaFile(ca, config.cafile!, key('cafile'));
  const options: tls.TlsOptions = {
    cert,
    key: keyPem,
    ca,
    // no `crl`: Node would make OpenSSL demand a CRL for every CA of the chain (crl.ts)
    minVersion: MIN_VERSION[config.tls_version],
    requestCert: config.require_certificate,
    // verification result is checked (and the reason logged) by the listener right after the handshake
    rejectUnauthorized: false,
  };
  if (config.ciphers !== undefined) options.ciphers = config.ciphers;
  const certificate = { subject: x509.subject.replace(/\n/g, ', '), serial: x509.serialNumber, validTo: x509.validTo };
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new ConfigError(`unusable TLS settings: ${errorText(err)}`, { key: `listeners[${index}]` });
  }
  return { options, certificate, crls };
}
