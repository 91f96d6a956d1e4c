/**
 * Network listeners: one server per configured listener — TCP (mqtt), TLS
 * (mqtts), HTTP/HTTPS with WebSocket upgrade (websockets / wss), on
 * host:port or a Unix socket — each client stream handed to a Connection.
 * Counts and limits connections per listener; reloads TLS certificates
 * without dropping connected clients.
 */
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { allowsAnonymous } from '../config/listener-access.js';
import type { ListenerConfig } from '../config/types.js';
import { fdWarningThreshold, readFdLimit } from '../listeners/fd-limit.js';
import { listenOn } from '../listeners/listen.js';
// the WebSocket module (ws, http, https) is imported only when a websockets listener is configured
type WebSocketModule = typeof import('../listeners/websocket.js');
import { certificateIdentity, verifyClientCertificate } from '../tls/client-cert.js';
import type { Crl } from '../tls/crl.js';
import { explainTlsError } from '../tls/tls-errors.js';
import { loadTlsOptions, tlsEnabled } from '../tls/options.js';
import type { BrokerContext } from './context.js';
import { Connection } from './connection.js';
import { PublishRateLimiter } from './publish-rate.js';
import { countSocket } from './socket-events.js';

/** At most one log line per this many ms about failing accept() calls. */
const ACCEPT_LOG_INTERVAL_MS = 10_000;

interface Open {
  config: ListenerConfig;
  index: number;
  server: net.Server;
  name: string;
  active: number;
  tls: boolean;
  wss: WebSocketServer | undefined;
  /** The WebSocket module, on a websockets listener. */
  websocket: WebSocketModule | undefined;
  /** The Listeners' set of open sockets (shared by every entry). */
  sockets: Set<net.Socket>;
  /** The crlfile's CRLs (replaced on reload). */
  crls: Crl[];
}

export interface ListenerAddress {
  host: string;
  port: number;
  protocol: string;
  /** Set for a Unix socket listener (host is then the path and port 0). */
  socketPath?: string;
  tls?: boolean;
}

export class Listeners {
  private readonly servers: Open[] = [];
  private readonly sockets = new Set<net.Socket>();
  private lastAcceptLog = -Infinity;
  private readonly fdLimit = readFdLimit();
  /** Connections at which we warn that the file descriptor limit is near. */
  private readonly fdWarnAt = fdWarningThreshold(this.fdLimit);

  constructor(private readonly broker: BrokerContext) {}

  private get log() {
    return this.broker.log;
  }

  async open(configs: readonly ListenerConfig[]): Promise<void> {
    for (const [index, config] of configs.entries()) {
      const loaded = tlsEnabled(config) ? loadTlsOptions(config, index) : undefined;
      const websocket = config.protocol === 'websockets' ? await import('../listeners/websocket.js') : undefined;
      const server = websocket ? websocket.createHttpServer(loaded?.options) : this.createServer(loaded?.options);
      const name = `${config.host}:${config.port}`;
      const entry: Open = { config, index, server, name, active: 0, tls: loaded !== undefined, wss: undefined, websocket, sockets: this.sockets, crls: loaded?.crls ?? [] };
      this.wire(entry);
      await listenOn(server, config);
      entry.name = config.socket_path !== undefined ? `unix:${config.socket_path}` : addressName(server);
      this.servers.push(entry);
      const kind = `${config.protocol}${entry.tls ? ' over TLS' : ''}`;
      this.log.info({ listener: entry.name, protocol: config.protocol, tls: entry.tls, certificate: loaded?.certificate }, `listening on ${entry.name} (${kind})`);
    }
  }

  private createServer(tlsOptions: tls.TlsOptions | undefined): net.Server {
    return tlsOptions ? tls.createServer(tlsOptions) : net.createServer({ noDelay: true });
  }

  private wire(entry: Open): void {
    const { server, config } = entry;
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall === 'accept') this.acceptFailed(entry, err);
      else this.log.error({ err, listener: entry.name }, 'listener error');
    });
    if (entry.tls) {
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
        this.log.warn({ listener: entry.name, remote: remoteOf(socket), reason: err.code ?? err.message }, `TLS handshake failed: ${explainTlsError(err, 'listener') ?? err.message}`);
      });
      // before the HTTP/WebSocket machinery sees the socket: refuse bad client certificates
      if (config.require_certificate) server.prependListener('secureConnection', (socket: tls.TLSSocket) => this.checkClientCert(entry, socket));
    }
    if (entry.websocket) {
      const { checkUpgrade, createWebSocketServer, refuseUpgrade, WebSocketDuplex } = entry.websocket;
      const wss = (entry.wss = createWebSocketServer(this.maxPacketSize(config)));
      const httpServer = server as http.Server;
      httpServer.on('request', (_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
        res.end('MQTT over WebSockets: connect with the mqtt subprotocol\n');
      });
      httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        const raw = socket as net.Socket;
        if (raw.destroyed) return;
        const refused = checkUpgrade(req, config.ws_path);
        if (refused) {
          this.log.info({ listener: entry.name, remote: remoteOf(raw), status: refused.status }, `WebSocket upgrade refused: ${refused.reason}`);
          refuseUpgrade(socket, refused.status, refused.status === 404 ? 'Not Found' : 'Bad Request');
          return;
        }
        if (!this.admit(entry, raw)) {
          refuseUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          const duplex = new WebSocketDuplex(ws, raw);
          duplex.once('close', () => {
            if (duplex.textFrame) this.log.info({ listener: entry.name, remote: remoteOf(raw) }, 'closed WebSocket client: text frame [MQTT-6.0.0-1]');
          });
          this.attach(entry, duplex, raw);
        });
      });
      return;
    }
    const event = entry.tls ? 'secureConnection' : 'connection';
    server.on(event, (socket: net.Socket) => {
      if (socket.destroyed || !this.admit(entry, socket)) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      this.attach(entry, socket, socket);
    });
  }

  /**
   * accept() failed (ENFILE, ENOMEM, ...). At EMFILE libuv closes the
   * pending connection itself and reports nothing (see fd-limit.ts): no
   * busy loop, the server keeps listening. Counted, and logged at most once
   * per ACCEPT_LOG_INTERVAL_MS so that a flood cannot flood the log.
   */
  private acceptFailed(entry: Open, err: NodeJS.ErrnoException): void {
    const n = ++this.broker.stats.acceptErrors;
    if (!this.logDue()) return;
    this.log.error(
      { listener: entry.name, code: err.code, acceptErrors: n, connections: this.sockets.size },
      `cannot accept connections: ${err.code ?? err.message} (raise LimitNOFILE / ulimit -n, or lower listeners[].max_connections)`,
    );
  }

  /** Close to RLIMIT_NOFILE: further connections will be dropped by libuv without a word. */
  private nearFdLimit(): void {
    if (!this.logDue()) return;
    this.log.warn(
      { connections: this.sockets.size, fdLimit: this.fdLimit },
      `${this.sockets.size} connections: near the file descriptor limit ${this.fdLimit}; new connections are dropped at the limit (raise LimitNOFILE / ulimit -n, or set listeners[].max_connections below it)`,
    );
  }

  private logDue(): boolean {
    const now = performance.now();
    if (now - this.lastAcceptLog < ACCEPT_LOG_INTERVAL_MS) return false;
    this.lastAcceptLog = now;
    return true;
  }

  /** Mutual TLS: log and drop a client whose certificate failed verification. */
  private checkClientCert(entry: Open, socket: tls.TLSSocket): void {
    const verdict = verifyClientCertificate(socket, entry.crls);
    if (verdict.ok) return;
    this.log.warn({ listener: entry.name, remote: remoteOf(socket), reason: verdict.reason }, `client certificate refused: ${verdict.reason}`);
    socket.destroy();
  }

  /** Count a new raw connection against max_connections; false when the listener is full. */
  private admit(entry: Open, raw: net.Socket): boolean {
    const max = entry.config.max_connections;
    if (max >= 0 && entry.active >= max) {
      this.log.warn({ listener: entry.name, max }, 'max_connections reached; refusing connection');
      return false;
    }
    countSocket(raw, entry);
    if (this.sockets.size >= this.fdWarnAt) this.nearFdLimit();
    return true;
  }

  private attach(entry: Open, stream: Duplex & { remoteAddress?: string; remotePort?: number }, raw: net.Socket): void {
    const config = entry.config;
    // as mosquitto: use_identity_as_username wins over use_subject_as_username; a client without the identity
    // (no certificate: always so without require_certificate, no Common Name) is refused at CONNECT
    const source = config.use_identity_as_username ? 'common-name' : config.use_subject_as_username ? 'subject' : undefined;
    const identity = source && raw instanceof tls.TLSSocket ? certificateIdentity(raw, source) : undefined;
    // unset: true on loopback or a Unix socket, but false whenever a password file is configured (as mosquitto)
    const allowAnonymous = allowsAnonymous(config, this.broker.config.auth);
    const conn = new Connection(stream, this.broker, entry.name, allowAnonymous, this.maxPacketSize(config));
    conn.certIdentity = identity;
    conn.certIdentityRequired = source !== undefined;
    conn.listenerIndex = entry.index;
    if (config.mount_point) conn.mountPoint = config.mount_point;
    if (config.max_publish_rate > 0) conn.publishLimiter = new PublishRateLimiter(config.max_publish_rate);
    this.broker.connections.add(conn);
    this.broker.stats.connectionsTotal++;
  }

  /**
   * Re-read every TLS listener's certificate, key, CA and CRL files and use
   * them for new handshakes; connected clients are not touched. A listener
   * whose new files are unusable keeps its old ones (logged as an error).
   * Returns how many listeners failed.
   */
  reloadTls(): number {
    let failed = 0;
    for (const entry of this.servers) {
      if (!entry.tls) continue;
      try {
        const loaded = loadTlsOptions(entry.config, entry.index);
        (entry.server as tls.Server).setSecureContext(loaded.options);
        entry.crls = loaded.crls;
        this.log.info({ listener: entry.name, certificate: loaded.certificate }, `TLS certificates reloaded on ${entry.name} (serial ${loaded.certificate.serial})`);
      } catch (err) {
        failed++;
        this.log.error({ listener: entry.name, reason: err instanceof Error ? err.message : String(err) }, `TLS reload failed on ${entry.name}; keeping the old certificates`);
      }
    }
    return failed;
  }

  addresses(): ListenerAddress[] {
    return this.servers.map((o) => {
      if (o.config.socket_path !== undefined) return { host: o.config.socket_path, port: 0, protocol: o.config.protocol, socketPath: o.config.socket_path, tls: o.tls };
      const addr = o.server.address() as net.AddressInfo;
      return { host: addr.address, port: addr.port, protocol: o.config.protocol, tls: o.tls };
    });
  }

  /** A listener's `max_packet_size`, falling back to the broker-wide limit. */
  private maxPacketSize(config: ListenerConfig): number {
    return config.max_packet_size || this.broker.maxPacketSize;
  }


  /** Stop accepting; existing sockets stay until closed. */
  async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (o) =>
          new Promise<void>((resolve) => {
            o.server.close(() => resolve());
            if (o.websocket) (o.server as http.Server).closeIdleConnections();
            o.wss?.close();
          }),
      ),
    );
  }

  /** Wait for sockets to go away, destroying stragglers after `ms`. */
  async waitForSockets(ms: number): Promise<void> {
    if (this.sockets.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
        resolve();
      }, ms);
      const check = () => {
        if (this.sockets.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const s of this.sockets) s.once('close', () => setImmediate(check));
    });
  }
}

function addressName(server: net.Server): string {
  const addr = server.address() as net.AddressInfo;
  return `${addr.address}:${addr.port}`;
}

function remoteOf(socket: net.Socket): string {
  return `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
}
