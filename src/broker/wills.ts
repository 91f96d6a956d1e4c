/**
 * Will messages [MQTT-3.1.2-8]: published when a connection ends without a
 * clean DISCONNECT (or with v5 reason 0x04). v5 Will Delay Interval: the will
 * waits min(delay, session expiry) and is cancelled if the client connects
 * again in time [MQTT-3.1.3-9].
 */
import type { IConnectPacket } from 'mqtt-packet';
import type { StoredMessage } from '../persistence/types.js';
import type { BrokerContext, ConnectionContext, WillSchedule } from './context.js';
import { NEVER_EXPIRES, type Session } from './session.js';

type Will = NonNullable<IConnectPacket['will']>;

interface PendingWill {
  will: Will;
  session: Session;
  timer: NodeJS.Timeout;
}

export class Wills implements WillSchedule {
  private readonly pending = new Map<string, PendingWill>();

  constructor(private readonly broker: BrokerContext) {}

  /** The connection ended abnormally: publish its will now or after the delay. */
  schedule(conn: ConnectionContext, session: Session): void {
    const will = conn.will!;
    conn.will = undefined;
    const delay = will.properties?.willDelayInterval ?? 0;
    const expiry = session.expiryInterval === NEVER_EXPIRES ? Infinity : session.expiryInterval;
    const wait = Math.min(delay, expiry);
    if (wait <= 0 || this.broker.isStopping) {
      this.publish(will, session);
      return;
    }
    this.cancel(session.clientId);
    const timer = setTimeout(() => {
      this.pending.delete(session.clientId);
      this.publish(will, session);
    }, wait * 1000);
    timer.unref();
    this.pending.set(session.clientId, { will, session, timer });
  }

  /** The client connected again before the delay ran out: no will [MQTT-3.1.3-9]. */
  cancel(clientId: string): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(clientId);
  }

  /** The session ended before the will delay: the will goes now [MQTT-3.1.3-9]. */
  sessionEnded(clientId: string): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    this.cancel(clientId);
    this.publish(p.will, p.session);
  }

  /** Shutdown: every pending will is published. */
  flushAll(): void {
    for (const clientId of [...this.pending.keys()]) this.sessionEnded(clientId);
  }

  private publish(will: Will, session: Session): void {
    const broker = this.broker;
    const info = { clientId: session.clientId, username: session.username, remoteAddress: '', listener: '', listenerIndex: session.listenerIndex };
    if (broker.hooks.authorizePublish && !broker.hooks.authorizePublish(info, will.topic)) {
      broker.log.info({ clientId: session.clientId, topic: will.topic }, 'will not authorized; dropped');
      return;
    }
    const props = will.properties;
    const now = broker.clock.now();
    const message: StoredMessage = {
      topic: will.topic,
      payload: Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload),
      qos: will.qos ?? 0,
      retain: (will.retain ?? false) && broker.config.mqtt.retain_available,
      receivedAt: now,
    };
    if (props) {
      const { willDelayInterval: _delay, ...rest } = props;
      if (Object.keys(rest).length > 0) message.properties = rest;
      if (props.messageExpiryInterval !== undefined) message.expiresAt = now + props.messageExpiryInterval * 1000;
    }
    broker.log.debug({ clientId: session.clientId, topic: will.topic }, 'publishing will');
    broker.stats.messagesReceived++;
    broker.hooks.onPublish?.(message, info);
    broker.router.publish(message, session);
  }
}
