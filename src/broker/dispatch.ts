/**
 * Routes each inbound packet to its handler. The switch is exhaustive over
 * mqtt-packet's `Packet` union: a new packet type fails to compile here.
 */
import type { Packet } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';
import type { ConnectionContext } from './context.js';
import { handleAuth } from './handlers/auth.js';
import { handleConnect } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePingreq } from './handlers/pingreq.js';
import { handlePuback, handlePubcomp, handlePubrec } from './handlers/ack.js';
import { handlePublish } from './handlers/publish.js';
import { handlePubrel } from './handlers/pubrel.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';
import { publishRateExceeded } from './handlers/rate-limited.js';

export function dispatch(conn: ConnectionContext, packet: Packet): void | Promise<void> {
  if (conn.state === 'new' && packet.cmd !== 'connect') {
    // [MQTT-3.1.0-1] the first packet from the client MUST be CONNECT
    throw new ProtocolError(`expected CONNECT, got ${packet.cmd.toUpperCase()}`);
  }
  const id = (packet as { messageId?: number }).messageId;
  // [MQTT-2.2.1-3] a packet that carries a Packet Identifier carries a non-zero one (PUBLISH QoS 0 has none);
  // mosquitto's codes: 0x81 for SUBSCRIBE/UNSUBSCRIBE, 0x82 for the others
  if (id === 0) {
    const why = `${packet.cmd.toUpperCase()} with packet identifier 0`;
    throw packet.cmd === 'subscribe' || packet.cmd === 'unsubscribe' ? new MalformedPacketError(why) : new ProtocolError(why);
  }
  switch (packet.cmd) {
    case 'connect':
      return handleConnect(conn, packet);
    case 'publish':
      if (conn.publishLimiter && !conn.publishLimiter.take()) return publishRateExceeded(conn, conn.publishLimiter, packet);
      return handlePublish(conn, packet);
    case 'puback':
      return handlePuback(conn, packet);
    case 'pubrec':
      return handlePubrec(conn, packet);
    case 'pubrel':
      return handlePubrel(conn, packet);
    case 'pubcomp':
      return handlePubcomp(conn, packet);
    case 'subscribe':
      return handleSubscribe(conn, packet);
    case 'unsubscribe':
      return handleUnsubscribe(conn, packet);
    case 'pingreq':
      return handlePingreq(conn);
    case 'disconnect':
      return handleDisconnect(conn, packet);
    case 'auth':
      return handleAuth(conn, packet);
    case 'connack':
    case 'suback':
    case 'unsuback':
    case 'pingresp':
      // Server-to-client packets sent by a client are a protocol error [MQTT-4.8.0-1 sense]
      throw new ProtocolError(`client sent a server-only packet ${packet.cmd.toUpperCase()}`, RC.PROTOCOL_ERROR);
    default:
      return assertNever(packet);
  }
}

function assertNever(packet: never): never {
  throw new ProtocolError(`unknown packet ${(packet as { cmd?: string }).cmd ?? '?'}`);
}
