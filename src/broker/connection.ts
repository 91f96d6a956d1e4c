/**
 * One client network connection: bytes in -> decode (decode/frame.ts) ->
 * dispatch; packets out -> encode -> corked socket writes (flushed once per
 * tick). Protocol state that lives only as long as the connection (aliases,
 * keepalive, will, flow control) is kept here; state that outlives it
 * belongs to the Session.
 */
import type { Duplex } from 'node:stream';
import mqtt from 'mqtt-packet';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { ERR, GatewayError, reasonCodeOf } from '../errors.js';
import { disconnectCodeFor, RC, reasonName } from '../reason-codes.js';
import type { ConnectionState } from './client-link.js';
import type { BrokerContext, ConnectionContext } from './context.js';
import { dispatch } from './dispatch.js';
import type { PublishRateLimiter } from './publish-rate.js';
import { OrderedAcks } from './ordered-acks.js';
import type { Session } from './session.js';
import { listenToSocket } from './socket-events.js';
import { encodeShortAck, encodeShortDisconnect } from './ack-codec.js';
import { fitClientMaximum } from './client-packet-limit.js';
import { decodeFrame, newStreamState, type StreamState } from './decode/frame.js';

export type { ConnectionState } from './client-link.js';

// mqtt-packet by default caches a Buffer for each of the 65,536 16-bit numbers on
// the first encode (6.5 MB of heap); a 2-byte allocation per number costs less.
mqtt.writeToStream.cacheNumbers = false;

let nextConnectionId = 1;

/** CONNACK return code 0x01 in the 3.1.1 format: the answer to an unsupported protocol level [MQTT-3.1.2-2]. */
const CONNACK_UNSUPPORTED_LEVEL = Buffer.from([0x20, 0x02, 0x00, 0x01]);

/** The bytes of a packet cut by the end of a chunk, kept until the rest arrives. */
interface PartialPacket {
  chunks: Buffer[];
  bytes: number;
  /** Total bytes the packet needs (0: its Remaining Length is not complete yet). */
  need: number;
}

/** Where decodeFrame reports the end of a packet or what a cut one needs (one for all connections: decoding is synchronous). */
const NEXT = { end: 0, need: 0 };

export class Connection implements ConnectionContext {
  readonly id = nextConnectionId++;
  state: ConnectionState = 'new';
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = '';
  session: Session | null = null;
  username: string | undefined;
  /** Verified client-certificate Common Name (`use_identity_as_username`) or RFC 2253 subject (`use_subject_as_username`): replaces the CONNECT username. */
  certIdentity: string | undefined;
  /** The listener takes the username from the certificate: without `certIdentity` the CONNECT is refused. */
  certIdentityRequired = false;
  /** Per-client PUBLISH rate limit (listener `max_publish_rate`), if any. */
  publishLimiter: PublishRateLimiter | undefined;
  /** Seconds; 0 = no keepalive. */
  keepalive = 0;
  lastActivity = performance.now();
  readonly openedAt = performance.now();
  will: IConnectPacket['will'] | undefined;
  /** Client's Receive Maximum: QoS 1/2 PUBLISHes we may have in flight to it. */
  sendWindow = 65535;
  /** Client's Maximum Packet Size; 0 = protocol maximum. */
  clientMaxPacketSize = 0;
  /** Client's Topic Alias Maximum (aliases we may send). */
  clientTopicAliasMax = 0;
  private aliasesOut: Map<string, number> | undefined;
  private aliasesIn: Map<number, string> | undefined;
  requestProblemInformation = true;
  /** The listener's mount_point ('' = none): prefixed to what the client publishes and subscribes, removed from what it receives. */
  mountPoint = '';
  /** Index in `listeners[]` of the listener this connection came through. */
  listenerIndex: number | undefined;
  /** 3.1/3.1.1 CONNECT with bit 7 of the protocol level set (0x83/0x84: a mosquitto bridge), as mosquitto's is_bridge. */
  bridgeClient = false;
  /** Inbound QoS 1/2 PUBLISHes not yet acknowledged (our Receive Maximum). */
  inboundUnacked = 0;
  /** Acknowledgements of inbound packets, in arrival order [MQTT-4.6.0-2]. */
  readonly acks = new OrderedAcks();
  /** v5: inbound QoS 2 ids received on this connection and not yet released, counted against our Receive Maximum. */
  unreleasedQos2: Set<number> | undefined;
  /** Set when a DISCONNECT was received: suppresses the will unless 0x04. */
  cleanDisconnect = false;
  private remote: string | undefined;
  /** A packet cut by the end of the last chunk: only its bytes are kept. */
  private partial: PartialPacket | null = null;
  /** What the decoder knows of this stream between packets (protocol level, bridge, size limit). */
  private readonly stream: StreamState;
  private corked = false;
  /** Packets that arrived while CONNECT was still being handled asynchronously. */
  private backlog: Packet[] | null = null;

  constructor(
    readonly socket: Duplex & { remoteAddress?: string; remotePort?: number },
    readonly broker: BrokerContext,
    readonly listenerName: string,
    /** Listener policy: may clients connect without a user name? */
    readonly allowAnonymous: boolean,
    /** Largest packet accepted (listener `max_packet_size`, else the broker's). */
    readonly maxPacketSize: number = broker.maxPacketSize,
  ) {
    this.stream = newStreamState(maxPacketSize);
    listenToSocket(socket, this);
  }

  /** Topic aliases we gave the client (v5), created on first use. */
  get outboundAliases(): Map<string, number> {
    return (this.aliasesOut ??= new Map());
  }

  /** Topic aliases the client gave us (v5), created on first use. */
  get inboundAliases(): Map<number, string> {
    return (this.aliasesIn ??= new Map());
  }

  /** `address:port` of the client (asked of the socket on first use: a system call the connect path can do without). */
  get remoteAddress(): string {
    return (this.remote ??= `${this.socket.remoteAddress ?? 'unknown'}:${this.socket.remotePort ?? 0}`);
  }

  get log() {
    return this.broker.log;
  }

  /** @internal socket 'data' */
  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastActivity = performance.now();
    this.broker.stats.bytesReceived += chunk.length;
    let buf = chunk;
    const partial = this.partial;
    if (partial !== null) {
      partial.chunks.push(chunk);
      partial.bytes += chunk.length;
      // a big packet still short of its end: only collect (one copy when it is complete)
      if (partial.need > 0 && partial.bytes < partial.need) return;
      buf = Buffer.concat(partial.chunks, partial.bytes);
      this.partial = null;
    }
    let at = 0;
    try {
      while (at < buf.length) {
        const packet = decodeFrame(buf, at, this.stream, NEXT);
        if (packet === undefined) break;
        at = NEXT.end;
        this.onPacket(packet);
        if ((this.state as ConnectionState) === 'closed') return;
      }
    } catch (err) {
      // never let one client's bytes throw out of the socket's 'data' handler
      this.decodeError(err);
      return;
    }
    if (at === buf.length) return;
    const rest = buf.subarray(at);
    // a copy when the rest is less than half of the chunk: do not pin the whole chunk
    this.partial = { chunks: [rest.length * 2 < buf.length ? Buffer.from(rest) : rest], bytes: rest.length, need: NEXT.need };
  }

  /** A packet the decoder refused. */
  private decodeError(err: unknown): void {
    if (this.state === 'new' && reasonCodeOf(err) === RC.UNSUPPORTED_PROTOCOL_VERSION) {
      // [MQTT-3.1.2-2] unsupported Protocol Level: CONNACK return code 0x01 (3.1.1 format), then close
      this.log.info({ remote: this.remoteAddress }, 'connection refused: unsupported protocol level');
      this.sendRaw(CONNACK_UNSUPPORTED_LEVEL);
      this.close();
      return;
    }
    this.protocolError(err);
  }

  /** @internal a decoded packet */
  onPacket(packet: Packet): void {
    if (this.state === 'closed') return;
    if (this.backlog) {
      this.backlog.push(packet);
      return;
    }
    this.handle(packet);
  }

  private handle(packet: Packet): void {
    try {
      const pending = dispatch(this, packet);
      if (!pending) return;
      if (this.state !== 'new') {
        pending.catch((err: unknown) => this.protocolError(err));
        return;
      }
      // CONNECT still waiting (authentication hook): packets the client sent
      // right behind it (3.1.4: clients need not wait for CONNACK) wait too.
      this.backlog = [];
      this.socket.pause();
      pending.then(
        () => this.flushBacklog(),
        (err: unknown) => {
          this.backlog = null;
          this.protocolError(err);
        },
      );
    } catch (err) {
      this.protocolError(err);
    }
  }

  private flushBacklog(): void {
    const queued = this.backlog ?? [];
    this.backlog = null;
    if (this.state === 'closed') return;
    this.socket.resume();
    for (let i = 0; i < queued.length; i++) {
      if ((this.state as ConnectionState) === 'closed') return;
      if (this.backlog) {
        (this.backlog as Packet[]).push(...queued.slice(i));
        return;
      }
      this.handle(queued[i]!);
    }
  }

  /** Encode and queue a packet; writes are flushed together at the end of the tick. */
  send(packet: Packet): boolean {
    if (this.state === 'closed' || this.socket.destroyed) return false;
    let bytes = this.encode(packet);
    if (this.clientMaxPacketSize > 0 && bytes.length > this.clientMaxPacketSize) {
      // [MQTT-3.1.2-24] never larger than the client's Maximum Packet Size: without what it can spare, or not at all
      const fitted = fitClientMaximum(packet, this.clientMaxPacketSize, (p) => this.encode(p));
      if (fitted === undefined) return this.tooLargeForClient(packet, bytes.length);
      bytes = fitted;
    }
    return this.sendRaw(bytes);
  }

  /** A packet that cannot fit the client's Maximum Packet Size: not sent, and the connection closed without a word. */
  private tooLargeForClient(packet: Packet, size: number): false {
    this.log.info(
      { clientId: this.clientId || undefined, remote: this.remoteAddress, code: ERR.PACKET_TOO_LARGE, packet: packet.cmd, size, limit: this.clientMaxPacketSize },
      `closing client: ${packet.cmd.toUpperCase()} of ${size} bytes exceeds the client's Maximum Packet Size ${this.clientMaxPacketSize}`,
    );
    if (packet.cmd !== 'disconnect') this.close(); // a DISCONNECT that does not fit: close() is already closing
    return false;
  }

  encode(packet: Packet): Buffer {
    const v5 = this.protocolVersion === 5;
    return encodeShortAck(packet, v5) ?? encodeShortDisconnect(packet, v5) ?? mqtt.generate(packet, { protocolVersion: this.protocolVersion });
  }

  sendRaw(buf: Buffer): boolean {
    if (this.state === 'closed' || this.socket.destroyed) return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (this.socket.writableLength > this.broker.outboundHardLimit) {
      this.dropSlowConsumer();
      return false;
    }
    this.broker.stats.bytesSent += buf.length;
    this.socket.write(buf);
    return true;
  }

  /**
   * The client does not read what we send (mqtt.max_outbound_buffer): close
   * at once, throwing away what is buffered. No DISCONNECT: it would wait
   * behind the bytes the client is not reading. A persistent session keeps
   * its QoS 1/2 messages. The rest (will, session) follows from the socket's
   * 'close' event, not from inside the delivery that found the buffer full.
   */
  dropSlowConsumer(): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    const n = ++this.broker.stats.slowConsumerDisconnects;
    this.log.warn(
      { clientId: this.clientId, remote: this.remoteAddress, buffered: this.socket.writableLength, limit: this.broker.config.mqtt.max_outbound_buffer, disconnects: n },
      'slow consumer: outbound buffer over mqtt.max_outbound_buffer; disconnecting',
    );
    this.socket.destroy();
  }

  /** A protocol violation or internal failure: report it (v5) and close only this client. */
  protocolError(err: unknown): void {
    const code = reasonCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof GatewayError)) {
      this.log.error({ err, clientId: this.clientId, remote: this.remoteAddress }, 'internal error handling client packet');
    } else {
      this.log.info({ clientId: this.clientId || undefined, remote: this.remoteAddress, code: err.code, reason: reasonName(code) }, `closing client: ${message}`);
    }
    this.close(code, message);
  }

  /**
   * Close the connection. For v5 clients past CONNECT a DISCONNECT with the
   * reason is sent first [MQTT-4.13.2-1]; for 3.1.1 the socket just closes.
   */
  close(reasonCode: number = RC.NORMAL_DISCONNECTION, reasonString?: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected' && this.protocolVersion === 5 && reasonCode !== RC.NORMAL_DISCONNECTION) {
      const properties = reasonString && this.requestProblemInformation && this.broker.config.mqtt.reason_strings ? { reasonString } : undefined;
      this.send({ cmd: 'disconnect', reasonCode: disconnectCodeFor(reasonCode), properties });
    }
    this.finish();
  }

  /** Flush what is queued and end the socket; destroy it if the peer does not go away. */
  private finish(): void {
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 2000);
    timer.unref();
    this.onClose();
  }

  /** @internal socket 'close' / 'error' */
  onClose(err?: Error): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    if (err) this.log.debug({ clientId: this.clientId, err: err.message }, 'socket error');
    this.broker.connectionClosed(this, wasConnected);
  }
}
