/**
 * What a session and delivery need of the network connection a session is
 * attached to: its state, what the client negotiated, and the ways to send
 * to it or close it. `connection.ts` implements it; this module imports
 * nothing of the broker, so `session.ts` can name its connection without
 * reaching back to the connection, the handlers or the broker.
 */
import type { Duplex } from 'node:stream';
import type { IConnectPacket, Packet } from 'mqtt-packet';

export type ConnectionState = 'new' | 'connected' | 'closed';

export interface ClientLink {
  state: ConnectionState;
  protocolVersion: 3 | 4 | 5;
  clientId: string;
  username: string | undefined;
  readonly socket: Duplex;
  readonly remoteAddress: string;
  readonly listenerName: string;
  /** Index in `listeners[]` of the listener this connection came through (per-listener ACLs). */
  listenerIndex: number | undefined;
  /** The listener's mount_point ('' = none): prefixed to what the client publishes and subscribes, removed from what it receives. */
  mountPoint: string;
  /** performance.now() when the socket was accepted. */
  readonly openedAt: number;
  will: IConnectPacket['will'] | undefined;
  /** Client's Receive Maximum: QoS 1/2 PUBLISHes we may have in flight to it. */
  sendWindow: number;
  /** Client's Maximum Packet Size; 0 = protocol maximum. */
  clientMaxPacketSize: number;
  /** Client's Topic Alias Maximum (aliases we may send). */
  clientTopicAliasMax: number;
  /** Topic aliases we gave the client (v5). */
  readonly outboundAliases: Map<string, number>;
  /** Encode and queue a packet; false when it was not sent. */
  send(packet: Packet): boolean;
  encode(packet: Packet): Buffer;
  sendRaw(buf: Buffer): boolean;
  /** The client does not read what we send: close at once (mqtt.max_outbound_buffer). */
  dropSlowConsumer(): void;
  /** v5: DISCONNECT with the reason first; then the socket closes. */
  close(reasonCode?: number, reasonString?: string): void;
}
