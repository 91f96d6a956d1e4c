/**
 * One error hierarchy for the whole gateway. Every error carries a stable
 * string `code` (`GW_ERR_*`) that logs, metrics and tests can rely on, and an
 * optional MQTT v5 reason code. The mapping to wire codes lives in
 * `reason-codes.ts`, nowhere else.
 */
export class GatewayError extends Error {
  readonly code: string;
  readonly reasonCode: number | undefined;

  constructor(message: string, code = 'GW_ERR', reasonCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.reasonCode = reasonCode;
  }
}

/** The peer broke the MQTT protocol: the connection is closed (0x81/0x82 by default). */
export class ProtocolError extends GatewayError {
  constructor(message: string, reasonCode = 0x82, options?: { cause?: unknown }) {
    super(message, 'GW_ERR_PROTOCOL', reasonCode, options);
  }
}

/** A packet could not be parsed at all (reason 0x81). */
export class MalformedPacketError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'GW_ERR_MALFORMED', 0x81, options);
  }
}

/** A packet is larger than the limit we advertise (reason 0x95). */
export class PacketTooLargeError extends GatewayError {
  constructor(message: string) {
    super(message, 'GW_ERR_PACKET_TOO_LARGE', 0x95);
  }
}

/** Authentication or authorisation refused (reason 0x87 / 0x86). */
export class NotAuthorizedError extends GatewayError {
  constructor(message: string, reasonCode = 0x87) {
    super(message, 'GW_ERR_NOT_AUTHORIZED', reasonCode);
  }
}

/** A bounded queue or store is full (reason 0x97 Quota exceeded). */
export class QueueFullError extends GatewayError {
  constructor(message: string) {
    super(message, 'GW_ERR_QUEUE_FULL', 0x97);
  }
}

/** Configuration is invalid: names the file, line (when known) and key. */
export class ConfigError extends GatewayError {
  readonly file: string | undefined;
  readonly key: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; key?: string; line?: number } = {}) {
    super(ConfigError.format(message, where), 'GW_ERR_CONFIG');
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
    super(message, 'GW_ERR_DEVICE', undefined, options);
  }
}

/** Storage problem (disk full, corrupt database). */
export class StoreError extends GatewayError {
  constructor(message: string, code = 'GW_ERR_STORE', options?: { cause?: unknown }) {
    // a full disk is reported as 0x97 Quota exceeded; anything else as 0x80
    super(message, code, code === 'GW_ERR_STORE_FULL' ? 0x97 : 0x80, options);
  }
}

/** Cloud bridge problem: an invalid topic rule, profile or credential (`GW_ERR_BRIDGE*`). */
export class BridgeError extends GatewayError {
  constructor(message: string, code = 'GW_ERR_BRIDGE', options?: { cause?: unknown }) {
    super(message, code, undefined, options);
  }
}
