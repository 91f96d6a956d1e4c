/**
 * Framing of the inbound byte stream: fixed header, Remaining Length
 * (bounded by the Maximum Packet Size and, before CONNECT, by mosquitto's
 * 100,000 bytes), then the packet's own decoder. A packet is refused from
 * its fixed header, before its body is buffered.
 *
 * Outcomes (v5 DISCONNECT reason; 3.1/3.1.1 just close), as mosquitto 2.0
 * (lib/packet_mosq.c packet__read, src/read_handle.c): wrong fixed header
 * flags, a Remaining Length over 4 bytes or one that does not fit the
 * packet's fields are Malformed (0x81); a reserved packet type, a server-only
 * packet, and AUTH below v5 are a Protocol Error (0x82).
 */
import type { Packet } from 'mqtt-packet';
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from '../../errors.js';
import { decodeAck } from './acks.js';
import { decodeConnect } from './connect.js';
import { decodeAuth, decodeDisconnect, decodePingreq } from './control.js';
import { decodePublish } from './publish.js';
import { decodeSubscribe, decodeUnsubscribe } from './subscribe.js';

/**
 * Largest CONNECT Remaining Length accepted, whatever max_packet_size says:
 * before CONNECT the client is not authenticated, so it must not make us
 * buffer more. mosquitto's value (packet__read: "Arbitrary limit"); a CONNECT
 * with a full 64 KiB will payload still fits.
 */
export const MAX_CONNECT_REMAINING = 100_000;

/** What the decoder knows of one connection's stream between packets. */
export interface StreamState {
  /** Protocol level of the CONNECT (4 until then: only CONNECT is accepted first anyway). */
  version: 3 | 4 | 5;
  /** The CONNECT's level carried the bridge bit (0x80). */
  bridge: boolean;
  /** The next packet is the first of the stream: it must be a CONNECT of bounded size [MQTT-3.1.0-1]. */
  first: boolean;
  /** Largest whole packet accepted, in bytes; 0 = the protocol's limit only. */
  readonly maxPacketSize: number;
}

/** A fresh stream: the first packet must be a CONNECT. */
export function newStreamState(maxPacketSize: number): StreamState {
  return { version: 4, bridge: false, first: true, maxPacketSize };
}

/** Fixed header flags each type must have [MQTT-2.2.2-1]; PUBLISH (3) has its own. */
const FLAGS: readonly number[] = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];
const SERVER_ONLY: Readonly<Record<number, string>> = { 2: 'CONNACK', 9: 'SUBACK', 11: 'UNSUBACK', 13: 'PINGRESP' };

/**
 * Decode the packet starting at `at` in `buf`. Returns the packet and sets
 * `next.end` to the offset after it; returns undefined when `buf` ends inside
 * it (`next.need` then says how many bytes it needs, 0 if not known yet).
 * Throws a GatewayError (MalformedPacketError, ProtocolError, PacketTooLargeError)
 * for what the connection must refuse.
 */
export function decodeFrame(buf: Buffer, at: number, state: StreamState, next: { end: number; need: number }): Packet | undefined {
  const first = buf[at]!;
  const type = first >> 4;
  // [MQTT-3.1.0-1] the first packet must be CONNECT: refused at its first byte (as mosquitto)
  if (state.first && type !== 1) throw new ProtocolError('first packet is not CONNECT');
  let length = 0;
  let mul = 1;
  let p = at + 1;
  for (;;) {
    if (p >= buf.length) {
      next.need = 0;
      return undefined;
    }
    const b = buf[p++]!;
    length += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    // [MQTT-1.5.5-1] a Variable Byte Integer has at most four bytes
    if (p - at > 4) throw new MalformedPacketError('remaining length longer than 4 bytes');
    mul *= 128;
  }
  if (state.first && length > MAX_CONNECT_REMAINING) {
    throw new PacketTooLargeError(`CONNECT remaining length ${length} exceeds the pre-authentication limit of ${MAX_CONNECT_REMAINING}`);
  }
  const total = p - at + length;
  // Maximum Packet Size (3.2.2.3.6): a larger packet is refused with 0x95, before its body is buffered
  if (state.maxPacketSize > 0 && total > state.maxPacketSize) {
    throw new PacketTooLargeError(`packet of ${total} bytes exceeds max_packet_size ${state.maxPacketSize}`);
  }
  const end = p + length;
  if (end > buf.length) {
    next.need = total;
    return undefined;
  }
  next.end = end;
  const packet = decodeBody(first, buf, p, end, state);
  if (state.first) {
    const connect = packet as { protocolVersion: 3 | 4 | 5; bridgeMode?: boolean };
    state.version = connect.protocolVersion;
    state.bridge = connect.bridgeMode === true;
    state.first = false;
  }
  return packet;
}

function decodeBody(first: number, buf: Buffer, start: number, end: number, state: StreamState): Packet {
  const type = first >> 4;
  const flags = first & 0x0f;
  const version = state.version;
  if (type === 3) return decodePublish(first, buf, start, end, version === 5);
  if (type === 0) throw new ProtocolError('reserved packet type 0'); // [MQTT-2.1.3-1 sense] mosquitto: Protocol Error
  const serverOnly = SERVER_ONLY[type];
  // Server-to-client packets sent by a client are a protocol error [MQTT-4.8.0-1 sense] (mosquitto: the same)
  if (serverOnly !== undefined) throw new ProtocolError(`client sent a server-only packet ${serverOnly}`);
  if (type === 15 && version !== 5) throw new ProtocolError('AUTH below MQTT 5'); // 3.15: AUTH is MQTT 5 only
  // [MQTT-2.2.2-1] [MQTT-2.2.2-2] reserved flag bits; MQTT 3.1 lets a resent PUBREL carry DUP (as mosquitto)
  if (flags !== FLAGS[type] && !(version === 3 && type === 6 && flags === 0x0a)) {
    throw new MalformedPacketError(`packet type ${type} with fixed header flags 0x${flags.toString(16)}`);
  }
  switch (type) {
    case 1:
      return decodeConnect(buf, start, end);
    case 4:
      return decodeAck('puback', first, buf, start, end, version);
    case 5:
      return decodeAck('pubrec', first, buf, start, end, version);
    case 6:
      return decodeAck('pubrel', first, buf, start, end, version);
    case 7:
      return decodeAck('pubcomp', first, buf, start, end, version);
    case 8:
      return decodeSubscribe(buf, start, end, version, state.bridge);
    case 10:
      return decodeUnsubscribe(buf, start, end, version);
    case 12:
      return decodePingreq(start, end);
    case 14:
      return decodeDisconnect(buf, start, end, version);
    default:
      return decodeAuth(buf, start, end);
  }
}
