/**
 * One client network connection: bytes in -> size guard -> mqtt-packet
 * parser -> dispatch; packets out -> encode -> corked socket writes
 * (flushed once per tick). Protocol state that lives only as long as the
 * connection (aliases, keepalive, will, flow control) is kept here; state
 * that outlives it belongs to the Session.
 */
import type { Duplex } from 'node:stream';
import mqtt from 'mqtt-packet';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { ERR, GatewayError, MalformedPacketError, PacketTooLargeError, ProtocolError, reasonCodeOf } from '../errors.js';
import { disconnectCodeFor, RC, reasonName } from '../reason-codes.js';
import type { ConnectionState } from './client-link.js';
import type { BrokerContext, ConnectionContext } from './context.js';
import { dispatch } from './dispatch.js';
import type { PublishRateLimiter } from './publish-rate.js';
import type { Session } from './session.js';
import { SizeGuard } from './size-guard.js';
import { listenToSocket } from './socket-events.js';
import { decodePublishes, isCutPublish } from './publish-decode.js';
import { encodeShortAck } from './ack-codec.js';
import { fitClientMaximum } from './client-packet-limit.js';
import { borrowParser, INITIAL_SETTINGS, returnParser, type ParserSettings, type PooledParser } from './parser-pool.js';

export type { ConnectionState } from './client-link.js';

/** Largest partial PUBLISH kept between chunks for the fast path. */
const CARRY_MAX = 4096;

// mqtt-packet by default caches a Buffer for each of the 65,536 16-bit numbers on
// the first encode (6.5 MB of heap); a 2-byte allocation per number costs less.
mqtt.writeToStream.cacheNumbers = false;

let nextConnectionId = 1;

/** Enough of a CONNECT to read the protocol name and level. */
const HEAD_BYTES = 16;
const NO_BYTES = Buffer.alloc(0);

/**
 * True when `head` starts a CONNECT whose protocol name is MQTT or MQIsdp
 * but whose Protocol Level is not 3, 4 or 5 (mqtt-packet rejects those
 * without telling us why).
 */
export function hasUnsupportedLevel(head: Buffer): boolean {
  if (head.length < 2 || head[0] !== 0x10) return false;
  let i = 1;
  while (i < head.length && i <= 4 && head[i]! & 0x80) i++;
  i++; // last remaining-length byte
  if (i + 2 > head.length) return false;
  const nameLength = head.readUInt16BE(i);
  i += 2;
  if (i + nameLength >= head.length) return false;
  const name = head.toString('latin1', i, i + nameLength);
  if (name !== 'MQTT' && name !== 'MQIsdp') return false;
  const level = head[i + nameLength]! & 0x7f; // bit 7: bridge flag
  return level !== 3 && level !== 4 && level !== 5;
}

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
  /** Acks waiting for the store, so later acks queue behind them [MQTT-4.6.0-2]. */
  pendingDurableAcks = 0;
  /** v5: inbound QoS 2 ids received on this connection and not yet released, counted against our Receive Maximum. */
  unreleasedQos2: Set<number> | undefined;
  /** Set when a DISCONNECT was received: suppresses the will unless 0x04. */
  cleanDisconnect = false;
  private remote: string | undefined;
  /** A parser borrowed from the pool, kept only while a partial packet is buffered. */
  private parser: PooledParser | null = null;
  /** The start of a small PUBLISH cut by the end of the last chunk (fast path only). */
  private carry: Buffer | null = null;
  /** What the parser knows of this connection between packets (protocol level). */
  private parserSettings: ParserSettings = INITIAL_SETTINGS;
  private readonly guard: SizeGuard;
  private corked = false;
  /** First bytes received before CONNECT was handled, to answer an unsupported protocol level. */
  private head: Buffer = NO_BYTES;
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
    this.guard = new SizeGuard(maxPacketSize, true);
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
    if (this.state === 'new' && this.head.length < HEAD_BYTES) this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]).subarray(0, HEAD_BYTES);
    this.lastActivity = performance.now();
    this.broker.stats.bytesReceived += chunk.length;
    let oversize: number;
    try {
      oversize = this.guard.check(chunk);
    } catch (err) {
      this.protocolError(err as GatewayError);
      return;
    }
    if (oversize >= 0) {
      // Maximum Packet Size (3.2.2.3.6): a larger packet is refused with 0x95, before its body is buffered
      this.protocolError(new PacketTooLargeError(`packet of ${oversize} bytes exceeds max_packet_size ${this.maxPacketSize}`));
      return;
    }
    let rest = chunk;
    if (this.parser === null && this.state === 'connected') {
      // the common case by hand (publish-decode.ts); what it leaves goes to mqtt-packet
      if (this.carry !== null) {
        rest = Buffer.concat([this.carry, chunk]);
        this.carry = null;
      }
      const used = decodePublishes(rest, this.protocolVersion === 5, this);
      if (used < 0 || used === rest.length) return;
      // a small packet cut by the chunk end waits for the next chunk (a big one goes to mqtt-packet's BufferList)
      if (rest.length - used <= CARRY_MAX && isCutPublish(rest, used)) {
        this.carry = Buffer.from(rest.subarray(used)); // a copy: do not pin the whole chunk
        return;
      }
      if (used > 0) rest = rest.subarray(used);
    }
    const parser = (this.parser ??= borrowParser(this, this.parserSettings));
    try {
      parser.parse(rest);
    } catch (err) {
      // never let one client's bytes throw out of the socket's 'data' handler
      this.parser = null; // in an unknown state: not given back
      this.protocolError(err);
      return;
    }
    if (this.state !== 'new') this.head = NO_BYTES;
    if (this.parser !== parser) return;
    const settings = returnParser(parser);
    if (settings) {
      this.parserSettings = settings;
      this.parser = null;
    }
  }

  /** @internal publish-decode: a topic that fails the UTF-8 rules */
  onStringProblem(problem: string): void {
    this.protocolError(new MalformedPacketError(problem));
  }

  /** @internal parser 'error' */
  onParseError(err: Error): void {
    if (this.state === 'new' && hasUnsupportedLevel(this.head)) {
      // [MQTT-3.1.2-2] unsupported Protocol Level: CONNACK return code 0x01 (3.1.1 format), then close
      this.log.info({ remote: this.remoteAddress }, 'connection refused: unsupported protocol level');
      this.sendRaw(Buffer.from([0x20, 0x02, 0x00, 0x01]));
      this.close();
      return;
    }
    this.protocolError(new MalformedPacketError(err.message));
  }

  /** @internal parser 'packet' */
  onPacket(packet: Packet): void {
    if (this.state === 'closed') return;
    const checks = this.parser?.checks;
    if (checks?.problem) {
      this.protocolError(checks.protocolError ? new ProtocolError(checks.problem) : new MalformedPacketError(checks.problem));
      return;
    }
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
    return encodeShortAck(packet, this.protocolVersion === 5) ?? mqtt.generate(packet, { protocolVersion: this.protocolVersion });
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
      const properties = reasonString && this.requestProblemInformation ? { reasonString } : undefined;
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
