/**
 * The MQTT server: a broker and its listeners, wired together. This is the
 * broker room's composition root: the broker does not build listeners, and
 * listeners build connections that see the broker only as a `BrokerContext`
 * (context.ts). The gateway (`gateway.ts`) builds one; tests do too.
 */
import { Broker, type BrokerOptions } from './broker.js';
import { Listeners, type ListenerAddress } from './listeners.js';

export class MqttServer {
  readonly broker: Broker;
  private readonly listeners: Listeners;
  private stopped: Promise<void> | undefined;

  constructor(options: BrokerOptions) {
    this.broker = new Broker(options);
    this.listeners = new Listeners(this.broker);
  }

  /** Load persisted state and start the broker's timers, then open the listeners. */
  async start(): Promise<void> {
    await this.broker.start();
    await this.listeners.open(this.broker.config.listeners);
  }

  /** Addresses listened on, in listener order (port resolved when 0 was asked). */
  addresses(): ListenerAddress[] {
    return this.listeners.addresses();
  }

  /** Re-read TLS certificates of every TLS listener (SIGHUP); returns how many failed (old ones kept). */
  reloadTls(): number {
    return this.listeners.reloadTls();
  }

  /** Graceful stop: stop accepting, stop the broker (wills, sessions, store flushed), wait for the sockets to go. */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      // stop accepting now; the servers only report closed once every socket is gone
      const serversClosed = this.listeners.closeServers();
      await this.broker.stop();
      await this.listeners.waitForSockets(2000);
      await serversClosed;
    })());
  }
}
