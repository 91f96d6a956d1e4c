/**
 * A TCP proxy on 127.0.0.1:0 in front of a target port, with link faults
 * switchable at run time: drop (RST every connection), refuse (RST new
 * connections), blackhole (hold every byte and every close, send nothing,
 * like a dead link; `resume()` delivers what was held), delay (latency per
 * chunk, order kept). Optionally terminates TLS on both sides (server cert
 * toward the client, client cert toward the target) so that a tap sees
 * plaintext; the faults then act on the raw TCP sockets underneath.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TLSSocket, connect as tlsConnect, createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import type { KeyPair, TestPki } from './certs.js';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole';
export type Direction = 'up' | 'down';

export interface ListenTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA for client certificates; with `requestCert` a client without a valid one is dropped. */
  ca?: string | Buffer;
  requestCert?: boolean;
  /** ALPN protocols the proxy accepts (e.g. ['x-amzn-mqtt-ca']); the negotiated one is recorded. */
  ALPNProtocols?: string[];
}

export interface ProxyTap {
  /** A chunk delivered onward at `at` (performance.now()): 'up' = client to target. */
  data?(connId: number, dir: Direction, chunk: Buffer, at: number): void;
  close?(connId: number): void;
}

export interface FaultProxyOptions {
  targetPort: number;
  targetHost?: string;
  listenTls?: ListenTls;
  /** TLS toward the target (host/port/socket are filled in). */
  upstreamTls?: ConnectionOptions;
  tap?: ProxyTap;
}

export interface ProxyConnection {
  id: number;
  openedAt: number;
  /** TLS termination only: SNI, negotiated ALPN and client certificate CN seen from the client. */
  servername?: string;
  alpnProtocol?: string;
  peerCn?: string;
  closed: boolean;
}

export interface FaultProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  readonly delayMs: number;
  /** Connections accepted so far (including refused ones). */
  readonly accepted: number;
  readonly refused: number;
  /** Connections currently open (client side). */
  readonly active: number;
  connections(): ProxyConnection[];
  /** RST every current connection (both sides); keep accepting. Returns how many were dropped. */
  drop(): number;
  /** RST new connections as soon as they are accepted. */
  refuse(): void;
  /** Hold all traffic and closes in both directions without closing anything. */
  blackhole(): void;
  /** Pass-through, but each chunk is delivered `ms` later (0 = none) in both directions, order kept. */
  delay(ms: number): void;
  /** Back to pass-through with no delay; held traffic and closes are delivered. */
  resume(): void;
  close(): Promise<void>;
}

type Item = { due: number; chunk?: Buffer; end?: 'fin' | 'rst' };

/** One direction of a connection: a time-ordered queue of chunks and the final close. */
class Lane {
  private queue: Item[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  done = false;

  constructor(private proxy: ProxyState, private connId: number, private dir: Direction,
    private dst: () => Socket, private dstRaw: () => Socket, private onEnd: () => void) {}

  push(item: Omit<Item, 'due'>): void {
    if (this.done) return;
    this.lastDue = Math.max(performance.now() + this.proxy.delayMs, this.lastDue);
    this.queue.push({ ...item, due: this.lastDue });
    this.pump();
  }

  pump(): void {
    if (this.proxy.mode === 'blackhole' || this.done) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const item = this.queue.shift()!;
      if (item.chunk) {
        this.proxy.tap?.data?.(this.connId, this.dir, item.chunk, now);
        this.dst().write(item.chunk);
      } else {
        this.done = true;
        if (item.end === 'rst') this.dstRaw().resetAndDestroy();
        else this.dst().end();
        this.stop();
        this.onEnd();
        return;
      }
    }
    if (this.queue.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(0, this.queue[0]!.due - now));
    }
  }

  stop(): void {
    this.done = true;
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface ProxyState {
  mode: ProxyMode;
  delayMs: number;
  tap?: ProxyTap;
}

interface Conn {
  info: ProxyConnection;
  lanes: Lane[];
  raws: Socket[];
}

function peerCn(s: TLSSocket): string | undefined {
  const cn = s.getPeerCertificate()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** A TLSSocket made by hand does not verify its client (tls.Server does): check issuer, signature, dates. */
function clientCertValid(s: TLSSocket, ca: X509Certificate | undefined): boolean {
  const cert = s.getPeerX509Certificate();
  if (!cert || !ca) return false;
  const now = Date.now();
  return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const state: ProxyState = { mode: 'pass', delayMs: 0, tap: options.tap };
  const conns = new Set<Conn>();
  let accepted = 0;
  let refused = 0;
  let nextId = 1;
  const listenCtx: SecureContext | undefined = options.listenTls && createSecureContext({
    cert: options.listenTls.cert, key: options.listenTls.key, ca: options.listenTls.ca,
  });
  const clientCa = options.listenTls?.ca ? new X509Certificate(options.listenTls.ca) : undefined;

  const server: Server = createServer((clientRaw) => {
    accepted++;
    clientRaw.on('error', () => undefined);
    if (state.mode === 'refuse') {
      refused++;
      clientRaw.resetAndDestroy();
      return;
    }
    const info: ProxyConnection = { id: nextId++, openedAt: performance.now(), closed: false };
    const lt = options.listenTls;
    const client: Socket = lt && listenCtx
      ? new TLSSocket(clientRaw, { isServer: true, secureContext: listenCtx, requestCert: lt.requestCert ?? false,
        rejectUnauthorized: false, ALPNProtocols: lt.ALPNProtocols })
      : clientRaw;
    const upRaw = netConnect(options.targetPort, options.targetHost ?? '127.0.0.1');
    const upstream: Socket = options.upstreamTls ? tlsConnect({ ...options.upstreamTls, socket: upRaw }) : upRaw;
    const conn: Conn = { info, lanes: [], raws: [clientRaw, upRaw] };
    const finish = (): void => {
      if (conn.lanes.every((l) => l.done) && !info.closed) {
        info.closed = true;
        conns.delete(conn);
        state.tap?.close?.(info.id);
      }
    };
    const up = new Lane(state, info.id, 'up', () => upstream, () => upRaw, finish);
    const down = new Lane(state, info.id, 'down', () => client, () => clientRaw, finish);
    conn.lanes = [up, down];
    conns.add(conn);
    if (client instanceof TLSSocket) {
      client.on('secure', () => {
        info.servername = typeof client.servername === 'string' ? client.servername : undefined;
        info.alpnProtocol = client.alpnProtocol || undefined;
        info.peerCn = peerCn(client);
        if (lt?.requestCert && !clientCertValid(client, clientCa)) {
          up.push({ end: 'rst' });
          down.push({ end: 'rst' });
        }
      });
    }
    // a close travels like data: after what was sent before it, held while blackholed
    const wire = (src: Socket, lane: Lane, other: Lane): void => {
      src.on('data', (chunk: Buffer) => lane.push({ chunk }));
      src.on('error', () => undefined);
      src.on('close', (hadError: boolean) => {
        lane.push({ end: hadError ? 'rst' : 'fin' });
        if (hadError) other.push({ end: 'rst' });
      });
    };
    wire(client, up, down);
    wire(upstream, down, up);
    upRaw.on('error', () => undefined);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;

  const pumpAll = (): void => {
    for (const c of conns) for (const l of c.lanes) l.pump();
  };
  const resetAll = (): number => {
    const n = conns.size;
    for (const c of [...conns]) {
      for (const l of c.lanes) l.stop();
      for (const r of c.raws) r.resetAndDestroy();
      c.info.closed = true;
      conns.delete(c);
      state.tap?.close?.(c.info.id);
    }
    return n;
  };

  return {
    port,
    get mode() { return state.mode; },
    get delayMs() { return state.delayMs; },
    get accepted() { return accepted; },
    get refused() { return refused; },
    get active() { return conns.size; },
    connections: () => [...conns].map((c) => c.info),
    drop: resetAll,
    refuse() { state.mode = 'refuse'; },
    blackhole() { state.mode = 'blackhole'; },
    delay(ms) {
      state.mode = 'pass';
      state.delayMs = ms;
      pumpAll();
    },
    resume() {
      state.mode = 'pass';
      state.delayMs = 0;
      pumpAll();
    },
    async close() {
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** TLS termination options for a proxy in front of a mosquitto-cloud using `pki`. */
export function tlsTermination(pki: TestPki, upstreamCert: KeyPair = pki.client, ALPNProtocols?: string[]): Pick<FaultProxyOptions, 'listenTls' | 'upstreamTls'> {
  const ca = readFileSync(pki.caCert);
  return {
    listenTls: { cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key), ca, requestCert: true, ALPNProtocols },
    upstreamTls: { ca, cert: readFileSync(upstreamCert.cert), key: readFileSync(upstreamCert.key), servername: 'localhost' },
  };
}
