/**
 * Network listeners: one net.Server per configured listener, each socket
 * handed to a Connection. Counts and limits connections per listener.
 */
import net from 'node:net';
import { isLoopbackHost } from '../config/schema.js';
import type { ListenerConfig } from '../config/types.js';
import type { Broker } from './broker.js';
import { Connection } from './connection.js';

interface Open {
  config: ListenerConfig;
  server: net.Server;
  name: string;
  active: number;
}

export class Listeners {
  private readonly servers: Open[] = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly broker: Broker) {}

  async open(configs: ListenerConfig[]): Promise<void> {
    for (const config of configs) {
      const server = net.createServer({ noDelay: true });
      const entry: Open = { config, server, name: `${config.host}:${config.port}`, active: 0 };
      server.on('connection', (socket) => this.accept(entry, socket));
      server.on('error', (err) => this.broker.log.error({ err, listener: entry.name }, 'listener error'));
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen({ host: config.host, port: config.port, backlog: 1024 }, () => {
          server.off('error', onError);
          resolve();
        });
      });
      const addr = server.address() as net.AddressInfo;
      entry.name = `${addr.address}:${addr.port}`;
      this.servers.push(entry);
      this.broker.log.info({ listener: entry.name, protocol: config.protocol }, `listening on ${entry.name} (${config.protocol})`);
    }
  }

  private accept(entry: Open, socket: net.Socket): void {
    const max = entry.config.max_connections;
    if (max >= 0 && entry.active >= max) {
      this.broker.log.warn({ listener: entry.name, max }, 'max_connections reached; refusing connection');
      socket.destroy();
      return;
    }
    entry.active++;
    this.sockets.add(socket);
    socket.once('close', () => {
      entry.active--;
      this.sockets.delete(socket);
    });
    socket.setNoDelay(true);
    const allowAnonymous = entry.config.allow_anonymous ?? isLoopbackHost(entry.config.host);
    const conn = new Connection(socket, this.broker, entry.name, allowAnonymous);
    this.broker.connections.add(conn);
    this.broker.stats.connectionsTotal++;
  }

  addresses(): Array<{ host: string; port: number; protocol: string }> {
    return this.servers.map((o) => {
      const addr = o.server.address() as net.AddressInfo;
      return { host: addr.address, port: addr.port, protocol: o.config.protocol };
    });
  }

  /** Listener config of a connection's listener, by name. */
  configOf(name: string): ListenerConfig | undefined {
    return this.servers.find((o) => o.name === name)?.config;
  }

  /** Stop accepting; existing sockets stay until closed. */
  async closeServers(): Promise<void> {
    await Promise.all(this.servers.map((o) => new Promise<void>((resolve) => o.server.close(() => resolve()))));
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
