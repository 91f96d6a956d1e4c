/**
 * A client socket's events, wired to its Connection (and to its listener's
 * count of open sockets) through shared functions: the socket points at the
 * Connection and the listener entry instead of holding closures over them,
 * and has one listener per event, so that Node keeps no listener array per
 * socket (about 400 bytes less per connection in all).
 *
 * The Connection has no 'end' listener: every client stream is created with
 * allowHalfOpen false (net and tls servers by default, WebSocketDuplex
 * explicitly), so Node ends our side when the peer ends theirs. The
 * listener's count does: a client that has closed its side is gone, and
 * must not hold its max_connections slot until Node's 'close', which waits
 * for our unsent bytes (forever, if the client stopped reading).
 */
import type { Duplex } from 'node:stream';

/** Where a client socket's bytes and end go (`connection.ts` implements it; this module does not import it). */
export interface SocketSink {
  onData(chunk: Buffer): void;
  onClose(err?: Error): void;
}

/** A listener's count of its open sockets (listeners.ts). */
export interface SocketCount {
  /** Sockets holding a max_connections slot: released on 'end', 'error' or 'close'. */
  active: number;
  /** Sockets not yet closed (file descriptors in use): left on 'close'. */
  readonly sockets: Set<Duplex>;
}

/** A socket the peer has half-closed is destroyed if our side has not closed after this long. */
export const HALF_CLOSED_GRACE_MS = 2000;

const CONNECTION = Symbol('midge.connection');
const ADMITTED = Symbol('midge.listener');
const HOLDS_SLOT = Symbol('midge.slot');
type ClientSocket = Duplex & { [CONNECTION]?: SocketSink; [ADMITTED]?: SocketCount; [HOLDS_SLOT]?: boolean };

function onSocketData(this: ClientSocket, chunk: Buffer): void {
  this[CONNECTION]?.onData(chunk);
}

/** Give back the socket's max_connections slot (once). */
function releaseSlot(socket: ClientSocket): void {
  if (!socket[HOLDS_SLOT]) return;
  socket[HOLDS_SLOT] = false;
  socket[ADMITTED]!.active--;
}

function onSocketEnd(this: ClientSocket): void {
  releaseSlot(this);
  // the peer is gone; bytes it does not read must not keep the socket (and its descriptor) open
  if (!this.destroyed) setTimeout(destroySocket, HALF_CLOSED_GRACE_MS, this).unref();
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}

function onSocketError(this: ClientSocket, err: Error): void {
  releaseSlot(this);
  this[CONNECTION]?.onClose(err);
}

function onSocketClose(this: ClientSocket): void {
  releaseSlot(this);
  this[ADMITTED]?.sockets.delete(this);
  this[CONNECTION]?.onClose();
}

/** Count `socket` against its listener's max_connections until the peer ends it, and as open until it closes. */
export function countSocket(socket: Duplex, count: SocketCount): void {
  const s = socket as ClientSocket;
  s[ADMITTED] = count;
  s[HOLDS_SLOT] = true;
  count.active++;
  count.sockets.add(socket);
  socket.on('end', onSocketEnd);
  socket.on('error', onSocketError);
  socket.on('close', onSocketClose);
}

/** Feed `socket`'s data, errors and close to `conn`. */
export function listenToSocket(socket: Duplex, conn: SocketSink): void {
  const s = socket as ClientSocket;
  s[CONNECTION] = conn;
  socket.on('data', onSocketData);
  if (ADMITTED in s) return; // already listening for 'error' and 'close' (countSocket)
  socket.on('error', onSocketError);
  socket.on('close', onSocketClose);
}
