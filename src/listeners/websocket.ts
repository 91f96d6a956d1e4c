/**
 * MQTT over WebSockets (MQTT 5.0 section 6): HTTP upgrade checks (path,
 * `mqtt` subprotocol) and a Duplex over one WebSocket that a Connection
 * reads and writes like a TCP socket. Only binary frames carry MQTT; a text
 * frame closes the connection [MQTT-6.0.0-1].
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';

/** Subprotocols we speak, in order of preference ([MQTT-6.0.0-3]: `mqtt`; `mqttv3.1` for old clients). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/** The HTTP(S) server a WebSocket listener upgrades requests on. */
export function createHttpServer(tlsOptions: tls.TlsOptions | undefined): http.Server {
  return tlsOptions ? https.createServer(tlsOptions) : http.createServer();
}

export function createWebSocketServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
}

/** Why an upgrade request is refused, or undefined to accept it. */
export function checkUpgrade(req: IncomingMessage, wsPath: string | undefined): { status: number; reason: string } | undefined {
  if (wsPath !== undefined) {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== wsPath) return { status: 404, reason: `path ${path} is not ${wsPath}` };
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  if (!offered.some((p) => SUBPROTOCOLS.includes(p))) return { status: 400, reason: 'the mqtt WebSocket subprotocol was not offered' };
  return undefined;
}

/** Answer an upgrade request with a plain HTTP error and close. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.once('finish', () => socket.destroy());
}

/** A WebSocket as a byte stream: each write is one binary frame, each binary frame is read as bytes. */
export class WebSocketDuplex extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Set when the peer sent a text frame (the connection is then closed). */
  textFrame = false;

  constructor(
    private readonly ws: WebSocket,
    raw: net.Socket,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = raw.remoteAddress;
    this.remotePort = raw.remotePort;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (this.destroyed) return;
      if (!isBinary) {
        this.textFrame = true;
        ws.close(1003, 'MQTT needs binary frames');
        this.destroy();
        return;
      }
      const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (!this.push(chunk)) ws.pause();
    });
    ws.on('close', () => {
      this.push(null);
      this.destroy();
    });
    ws.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.ws.send(chunk, { binary: true }, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    // corked writes of one tick go out as one frame
    this.ws.send(Buffer.concat(chunks.map((c) => c.chunk)), { binary: true }, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.ws.close(1000);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === this.ws.CLOSING) setTimeout(() => this.ws.terminate(), 2000).unref();
    callback(err);
  }
}
