/**
 * Binding a listener's server: host:port, or a Unix domain socket path.
 * A socket file left behind by a crashed process is removed (after checking
 * nobody answers on it); a live one is "address in use", as for TCP.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { ListenerConfig } from '../config/types.js';

export async function listenOn(server: net.Server, config: ListenerConfig): Promise<void> {
  if (config.socket_path === undefined) {
    await listenOnce(server, { host: config.host, port: config.port, backlog: 1024 });
    return;
  }
  const path = config.socket_path;
  try {
    await listenOnce(server, { path, backlog: 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !(await isStaleSocket(path))) throw err;
    unlinkSync(path);
    await listenOnce(server, { path, backlog: 1024 });
  }
}

function listenOnce(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A socket file nobody listens on (connection refused). */
async function isStaleSocket(path: string): Promise<boolean> {
  try {
    if (!lstatSync(path).isSocket()) return false;
  } catch {
    return false;
  }
  return new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
