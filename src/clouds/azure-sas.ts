/**
 * Azure IoT Hub shared access signature (SAS) tokens for the MQTT password:
 *
 *   SharedAccessSignature sr={enc(uri)}&sig={enc(base64(HMAC-SHA256(base64dec(key), enc(uri) + "\n" + se)))}&se={se}[&skn={enc(policy)}]
 *
 * `enc` is strict URI-component encoding (encodeURIComponent plus `!'()*`),
 * as azure-iot-sdk-node's encodeUriComponentStrict. The resource URI of a
 * device is `{hub}.azure-devices.net/devices/{deviceId}` (modules add
 * `/modules/{moduleId}`). Expiry is in seconds since the epoch. IoT Hub
 * closes the connection when the token expires, so the bridge reconnects
 * with a fresh token before that (the Node SDK: 3600 s validity, renewed
 * 900 s early).
 */
import { createHmac } from 'node:crypto';
import { ERR, BridgeError } from '../errors.js';

export const DEFAULT_SAS_TTL_SEC = 3600;
export const DEFAULT_SAS_RENEW_MARGIN_SEC = 900;

/** encodeURIComponent that also encodes `!'()*` (RFC 3986 reserved). */
export function encodeUriComponentStrict(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64(HMAC-SHA256(base64-decoded key, message)), not URL-encoded. */
export function signSas(keyBase64: string, message: string): string {
  if (keyBase64.length === 0 || !BASE64.test(keyBase64)) {
    throw new BridgeError('SAS key must be non-empty base64', ERR.BRIDGE_CREDENTIALS);
  }
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(message, 'utf8').digest('base64');
}

export interface SasTokenOptions {
  /** Resource URI without scheme, e.g. `myhub.azure-devices.net/devices/dev1`. */
  resourceUri: string;
  /** Base64 device (or policy) key. */
  key: string;
  /** Expiry, whole seconds since the Unix epoch. */
  expiry: number;
  /** Shared access policy name (`skn`); omit for device keys. */
  keyName?: string;
}

export function createSasToken(options: SasTokenOptions): string {
  const { resourceUri, key, expiry, keyName } = options;
  if (!Number.isInteger(expiry) || expiry <= 0) throw new BridgeError(`SAS expiry must be a positive whole number of seconds, got ${expiry}`, ERR.BRIDGE_CREDENTIALS);
  if (resourceUri.length === 0) throw new BridgeError('SAS resource URI must not be empty', ERR.BRIDGE_CREDENTIALS);
  const sr = encodeUriComponentStrict(resourceUri);
  const sig = encodeUriComponentStrict(signSas(key, `${sr}\n${expiry}`));
  const skn = keyName ? `&skn=${encodeUriComponentStrict(keyName)}` : '';
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiry}${skn}`;
}

/** `{hubHost}/devices/{deviceId}[/modules/{moduleId}]`. */
export function deviceResourceUri(hubHost: string, deviceId: string, moduleId?: string): string {
  return `${hubHost}/devices/${deviceId}${moduleId ? `/modules/${moduleId}` : ''}`;
}

/** When (ms since epoch) to renew a token that expires at `expirySec`. */
export function sasRenewAt(expirySec: number, marginSec = DEFAULT_SAS_RENEW_MARGIN_SEC): number {
  return (expirySec - marginSec) * 1000;
}

export interface SasTokenSourceOptions {
  resourceUri: string;
  key: string;
  keyName?: string;
  ttlSec?: number;
  renewMarginSec?: number;
  /** Clock in ms since the epoch. */
  now?: () => number;
}

/** Hands out a cached token and a fresh one once the old one is within the renewal margin. */
export class SasTokenSource {
  private readonly options: SasTokenSourceOptions;
  private readonly ttlSec: number;
  private readonly marginSec: number;
  private readonly now: () => number;
  private current: { token: string; expiry: number } | undefined;

  constructor(options: SasTokenSourceOptions) {
    this.ttlSec = options.ttlSec ?? DEFAULT_SAS_TTL_SEC;
    this.marginSec = options.renewMarginSec ?? DEFAULT_SAS_RENEW_MARGIN_SEC;
    if (!Number.isInteger(this.ttlSec) || this.ttlSec <= 0) throw new BridgeError(`SAS ttl must be a positive whole number of seconds, got ${this.ttlSec}`, ERR.BRIDGE_CONFIG);
    if (!(this.marginSec >= 0 && this.marginSec < this.ttlSec)) {
      throw new BridgeError(`SAS renewal margin must be >= 0 and < ttl (${this.ttlSec} s), got ${this.marginSec}`, ERR.BRIDGE_CONFIG);
    }
    signSas(options.key, ''); // fail early on a bad key
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** True when there is no token yet or the current one is within the margin of expiring. */
  needsRenewal(): boolean {
    return this.current === undefined || this.now() >= sasRenewAt(this.current.expiry, this.marginSec);
  }

  /** The token to put in CONNECT's password; regenerated when due. */
  token(): string {
    if (this.needsRenewal()) {
      const expiry = Math.floor(this.now() / 1000) + this.ttlSec;
      const { resourceUri, key, keyName } = this.options;
      this.current = { token: createSasToken({ resourceUri, key, expiry, ...(keyName ? { keyName } : {}) }), expiry };
    }
    return this.current!.token;
  }

  /** Expiry (s since epoch) of the current token, undefined before the first one. */
  get expiry(): number | undefined {
    return this.current?.expiry;
  }

  /** Milliseconds until the connection should be renewed (0 = now). */
  renewInMs(): number {
    if (this.current === undefined) return 0;
    return Math.max(0, sasRenewAt(this.current.expiry, this.marginSec) - this.now());
  }
}
