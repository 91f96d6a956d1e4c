/**
 * One error hierarchy for the whole gateway. Every error carries a stable
 * string `code` (`GW_ERR_*`) that logs, metrics and tests can rely on, and an
 * optional MQTT v5 reason code (`reasonCodeOf`). Translating v5 codes to
 * what each protocol version can carry lives in `reason-codes.ts`, nowhere else.
 */
import { RC } from './reason-codes.js';

/** The stable error codes; logs, metrics, docs and tests name them. */
export const ERR = {
  GATEWAY: 'GW_ERR',
  PROTOCOL: 'GW_ERR_PROTOCOL',
  MALFORMED: 'GW_ERR_MALFORMED',
  PACKET_TOO_LARGE: 'GW_ERR_PACKET_TOO_LARGE',
  CONFIG: 'GW_ERR_CONFIG',
  DEVICE: 'GW_ERR_DEVICE',
  /** Storage: anything not listed below (a bug or a bad value in one op). */
  STORE: 'GW_ERR_STORE',
  /** Disk full, I/O error, max_page_count reached. Transient: retried. */
  STORE_FULL: 'GW_ERR_STORE_FULL',
  /** Another process holds the database file. Transient: retried. */
  STORE_BUSY: 'GW_ERR_STORE_BUSY',
  STORE_CORRUPT: 'GW_ERR_STORE_CORRUPT',
  STORE_CLOSED: 'GW_ERR_STORE_CLOSED',
  STORE_VERSION: 'GW_ERR_STORE_VERSION',
  BRIDGE: 'GW_ERR_BRIDGE',
  BRIDGE_CONFIG: 'GW_ERR_BRIDGE_CONFIG',
  BRIDGE_TOPIC: 'GW_ERR_BRIDGE_TOPIC',
  BRIDGE_CREDENTIALS: 'GW_ERR_BRIDGE_CREDENTIALS',
  BRIDGE_TLS: 'GW_ERR_BRIDGE_TLS',
  BRIDGE_CONNECT: 'GW_ERR_BRIDGE_CONNECT',
} as const;

export type ErrorCode = (typeof ERR)[keyof typeof ERR];
export type StoreErrorCode = Extract<ErrorCode, `GW_ERR_STORE${string}`>;
export type BridgeErrorCode = Extract<ErrorCode, `GW_ERR_BRIDGE${string}`>;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly reasonCode: number | undefined;

  constructor(message: string, code: ErrorCode = ERR.GATEWAY, reasonCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.reasonCode = reasonCode;
  }
}

/** The v5 reason code an error should be reported with. */
export function reasonCodeOf(err: unknown): number {
  if (err instanceof GatewayError && err.reasonCode !== undefined) return err.reasonCode;
  return RC.UNSPECIFIED_ERROR;
}

/** The peer broke the MQTT protocol: the connection is closed (0x82 Protocol error unless given). */
export class ProtocolError extends GatewayError {
  constructor(message: string, reasonCode: number = RC.PROTOCOL_ERROR, options?: { cause?: unknown }) {
    super(message, ERR.PROTOCOL, reasonCode, options);
  }
}

/** A packet could not be parsed at all (0x81 Malformed packet). */
export class MalformedPacketError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ERR.MALFORMED, RC.MALFORMED_PACKET, options);
  }
}

/** A packet is larger than the limit we advertise (0x95 Packet too large). */
export class PacketTooLargeError extends GatewayError {
  constructor(message: string) {
    super(message, ERR.PACKET_TOO_LARGE, RC.PACKET_TOO_LARGE);
  }
}

/** Configuration is invalid: names the file, line (when known) and key. */
export class ConfigError extends GatewayError {
  readonly file: string | undefined;
  readonly key: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; key?: string; line?: number } = {}) {
    super(ConfigError.format(message, where), ERR.CONFIG);
    this.file = where.file;
    this.key = where.key;
    this.line = where.line;
  }

  private static format(message: string, where: { file?: string; key?: string; line?: number }): string {
    const loc = [where.file, where.line !== undefined ? `line ${where.line}` : undefined]
      .filter((x) => x !== undefined)
      .join(':');
    const key = where.key ? `${where.key}: ` : '';
    return loc ? `${loc}: ${key}${message}` : `${key}${message}`;
  }
}

/** Hardware or device problem (serial port gone, GPIO busy). */
export class DeviceError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ERR.DEVICE, undefined, options);
  }
}

/** Storage problem (disk full, corrupt database). */
export class StoreError extends GatewayError {
  declare readonly code: StoreErrorCode;

  constructor(message: string, code: StoreErrorCode = ERR.STORE, options?: { cause?: unknown }) {
    // a full disk is reported as 0x97 Quota exceeded; anything else as 0x80
    super(message, code, code === ERR.STORE_FULL ? RC.QUOTA_EXCEEDED : RC.UNSPECIFIED_ERROR, options);
  }
}

/** Cloud bridge problem: an invalid topic rule, profile or credential (`GW_ERR_BRIDGE*`). */
export class BridgeError extends GatewayError {
  declare readonly code: BridgeErrorCode;

  constructor(message: string, code: BridgeErrorCode = ERR.BRIDGE, options?: { cause?: unknown }) {
    super(message, code, undefined, options);
  }
}
