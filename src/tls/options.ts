/**
 * TLS settings of a listener: reads the PEM files named in the config into
 * the options of `tls.createServer` / `https.createServer`, and checks that
 * they form a usable secure context before anyone relies on them (at start,
 * and again on every SIGHUP reload).
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { ListenerConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

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
}

/**
 * Reads the listener's certificate files and validates them (key matches
 * certificate, PEM parses, CRL parses). Problems are `ConfigError`s naming
 * `listeners[index].<key>`; nothing is half-applied.
 */
export function loadTlsOptions(config: ListenerConfig, index: number): LoadedTls {
  const read = (key: 'certfile' | 'keyfile' | 'cafile' | 'crlfile'): Buffer | undefined => {
    const path = config[key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String(code ?? err);
      throw new ConfigError(`cannot read ${path}: ${why}`, { key: `listeners[${index}].${key}` });
    }
  };
  const cert = read('certfile');
  const key = read('keyfile');
  const ca = read('cafile');
  const crl = read('crlfile');
  const options: tls.TlsOptions = {
    cert,
    key,
    ca,
    crl,
    minVersion: MIN_VERSION[config.tls_version],
    requestCert: config.require_certificate,
    // verification result is checked (and the reason logged) by the listener right after the handshake
    rejectUnauthorized: false,
  };
  if (config.ciphers !== undefined) options.ciphers = config.ciphers;
  let certificate: CertificateSummary;
  try {
    const x509 = new X509Certificate(cert!);
    certificate = { subject: x509.subject.replace(/\n/g, ', '), serial: x509.serialNumber, validTo: x509.validTo };
  } catch (err) {
    throw new ConfigError(`${config.certfile} is not a PEM certificate: ${errorText(err)}`, { key: `listeners[${index}].certfile` });
  }
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new ConfigError(`unusable TLS settings: ${errorText(err)}`, { key: `listeners[${index}]` });
  }
  return { options, certificate };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${err.message} (${code})` : err.message;
}
