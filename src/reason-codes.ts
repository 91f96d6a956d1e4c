/**
 * MQTT v5 reason codes (spec 2.4) and the one place where v5 codes are
 * translated to what a given protocol version can carry (an error's v5 code
 * is `reasonCodeOf` in errors.ts).
 */
export const RC = {
  SUCCESS: 0x00,
  NORMAL_DISCONNECTION: 0x00,
  GRANTED_QOS_0: 0x00,
  GRANTED_QOS_1: 0x01,
  GRANTED_QOS_2: 0x02,
  DISCONNECT_WITH_WILL: 0x04,
  NO_MATCHING_SUBSCRIBERS: 0x10,
  NO_SUBSCRIPTION_EXISTED: 0x11,
  CONTINUE_AUTHENTICATION: 0x18,
  REAUTHENTICATE: 0x19,
  UNSPECIFIED_ERROR: 0x80,
  MALFORMED_PACKET: 0x81,
  PROTOCOL_ERROR: 0x82,
  IMPLEMENTATION_SPECIFIC_ERROR: 0x83,
  UNSUPPORTED_PROTOCOL_VERSION: 0x84,
  CLIENT_IDENTIFIER_NOT_VALID: 0x85,
  BAD_USER_NAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  SERVER_UNAVAILABLE: 0x88,
  SERVER_BUSY: 0x89,
  BANNED: 0x8a,
  SERVER_SHUTTING_DOWN: 0x8b,
  BAD_AUTHENTICATION_METHOD: 0x8c,
  KEEP_ALIVE_TIMEOUT: 0x8d,
  SESSION_TAKEN_OVER: 0x8e,
  TOPIC_FILTER_INVALID: 0x8f,
  TOPIC_NAME_INVALID: 0x90,
  PACKET_IDENTIFIER_IN_USE: 0x91,
  PACKET_IDENTIFIER_NOT_FOUND: 0x92,
  RECEIVE_MAXIMUM_EXCEEDED: 0x93,
  TOPIC_ALIAS_INVALID: 0x94,
  PACKET_TOO_LARGE: 0x95,
  MESSAGE_RATE_TOO_HIGH: 0x96,
  QUOTA_EXCEEDED: 0x97,
  ADMINISTRATIVE_ACTION: 0x98,
  PAYLOAD_FORMAT_INVALID: 0x99,
  RETAIN_NOT_SUPPORTED: 0x9a,
  QOS_NOT_SUPPORTED: 0x9b,
  USE_ANOTHER_SERVER: 0x9c,
  SERVER_MOVED: 0x9d,
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: 0x9e,
  CONNECTION_RATE_EXCEEDED: 0x9f,
  MAXIMUM_CONNECT_TIME: 0xa0,
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: 0xa1,
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: 0xa2,
} as const;

export type ReasonCode = (typeof RC)[keyof typeof RC];

/** MQTT 3.1.1 CONNACK return codes (spec 3.2.2.3). */
export const V3_CONNACK = {
  ACCEPTED: 0,
  UNACCEPTABLE_PROTOCOL_VERSION: 1,
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  BAD_USERNAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;

/**
 * Translate a v5 CONNACK reason code to the 3.1/3.1.1 return code that means
 * the same; undefined when 3.1.1 defines none (a will topic, QoS or retain
 * refused): then the connection is closed without a CONNACK [MQTT-3.1.4-1]
 * [MQTT-3.2.2-6], as mosquitto does, rather than claiming 3 Server unavailable.
 */
export function connackCodeFor(protocolVersion: number, v5Code: number): number | undefined {
  if (protocolVersion === 5) return v5Code;
  switch (v5Code) {
    case RC.SUCCESS:
      return V3_CONNACK.ACCEPTED;
    case RC.UNSUPPORTED_PROTOCOL_VERSION:
      return V3_CONNACK.UNACCEPTABLE_PROTOCOL_VERSION;
    case RC.CLIENT_IDENTIFIER_NOT_VALID:
      return V3_CONNACK.IDENTIFIER_REJECTED;
    case RC.SERVER_UNAVAILABLE:
    case RC.SERVER_BUSY:
      return V3_CONNACK.SERVER_UNAVAILABLE;
    case RC.BAD_USER_NAME_OR_PASSWORD:
    case RC.BAD_AUTHENTICATION_METHOD:
      return V3_CONNACK.BAD_USERNAME_OR_PASSWORD;
    case RC.NOT_AUTHORIZED:
    case RC.BANNED:
      return V3_CONNACK.NOT_AUTHORIZED;
    default:
      return undefined;
  }
}

/** SUBACK: v3.1.1 only knows granted QoS or 0x80 failure [MQTT-3.9.3-2]. */
export function subackCodeFor(protocolVersion: number, v5Code: number): number {
  if (protocolVersion === 5) return v5Code;
  return v5Code <= RC.GRANTED_QOS_2 ? v5Code : 0x80;
}

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RC)
    .filter(([k]) => !['NORMAL_DISCONNECTION', 'GRANTED_QOS_0', 'GRANTED_QOS_1', 'GRANTED_QOS_2'].includes(k))
    .map(([k, v]) => [v, k.toLowerCase().replace(/_/g, ' ')]),
);

/** A reason code of 0x80 or more is a failure (MQTT 5, 2.4 Reason Code). */
export function isFailureCode(code: number): boolean {
  return code >= RC.UNSPECIFIED_ERROR;
}

/** Human-readable name of a reason code, for logs. */
export function reasonName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** Reason codes a DISCONNECT may carry (spec 3.14.2.1). */
export const DISCONNECT_CODES: ReadonlySet<number> = new Set([
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
  0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);

/**
 * The code to put in a DISCONNECT for a v5 reason: codes that only exist
 * for other packets (0x86, 0x8C, 0x91, ...) become 0x80 Unspecified error,
 * as clients treat an unknown DISCONNECT code as a malformed packet.
 */
export function disconnectCodeFor(v5Code: number): number {
  return DISCONNECT_CODES.has(v5Code) ? v5Code : RC.UNSPECIFIED_ERROR;
}

/** Reason codes a PUBACK or PUBREC may carry (spec 3.4.2.1, 3.5.2.1). */
export const PUBACK_CODES: ReadonlySet<number> = new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]);

/** Reason codes a PUBREL or PUBCOMP may carry (spec 3.6.2.1, 3.7.2.1). */
export const PUBREL_CODES: ReadonlySet<number> = new Set([0x00, 0x92]);

/** Reason codes an AUTH may carry (spec 3.15.2.1). */
export const AUTH_CODES: ReadonlySet<number> = new Set([0x00, 0x18, 0x19]);
