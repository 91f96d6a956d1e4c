/**
 * `$SYS/broker/...` topics like mosquitto's, published retained every
 * `sys.interval` seconds when their value changed. Load figures are
 * per-minute exponential moving averages over 1, 5 and 15 minutes.
 */
import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { VERSION } from '../version.js';
import type { BrokerContext } from './context.js';

const PERIODS: Array<[string, number]> = [
  ['1min', 60],
  ['5min', 300],
  ['15min', 900],
];

type Counter = 'messagesReceived' | 'messagesSent' | 'bytesReceived' | 'bytesSent' | 'publishReceived' | 'publishSent' | 'connectionsTotal';

const LOADS: Array<[string, Counter]> = [
  ['messages/received', 'messagesReceived'],
  ['messages/sent', 'messagesSent'],
  ['bytes/received', 'bytesReceived'],
  ['bytes/sent', 'bytesSent'],
  ['publish/received', 'publishReceived'],
  ['publish/sent', 'publishSent'],
  ['connections', 'connectionsTotal'],
];

export class SysTopics {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, string>();
  private readonly prev = new Map<Counter, number>();
  private readonly load = new Map<string, number>();
  /** Event-loop delay, sampled every 20 ms while $SYS is on; reset at each publication. */
  private lag: IntervalHistogram | undefined;

  constructor(private readonly broker: BrokerContext) {}

  start(): void {
    const interval = this.broker.config.sys.interval;
    if (interval <= 0) return;
    this.lag = monitorEventLoopDelay({ resolution: 20 });
    this.lag.enable();
    this.publishAll(interval);
    this.timer = setInterval(() => this.publishAll(interval), interval * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.lag?.disable();
  }

  /** Current values, topic suffix -> payload text (also used by tests and status output). */
  snapshot(interval: number): Map<string, string> {
    const b = this.broker;
    const s = b.stats;
    let offline = 0;
    let stored = 0;
    for (const session of b.sessions.values()) {
      if (!session.connection) offline++;
      stored += session.queue.length + session.inflight.size;
    }
    const v = new Map<string, string>([
      ['version', `midge version ${VERSION}`],
      ['uptime', `${Math.floor((performance.now() - s.startedAt) / 1000)} seconds`],
      ['clients/connected', String(s.clientsConnected)],
      ['clients/active', String(s.clientsConnected)],
      ['clients/disconnected', String(offline)],
      ['clients/inactive', String(offline)],
      ['clients/total', String(s.clientsConnected + offline)],
      ['clients/maximum', String(s.clientsMaximum)],
      ['messages/received', String(s.messagesReceived)],
      ['messages/sent', String(s.messagesSent)],
      ['messages/stored', String(stored + b.retained.size)],
      ['store/messages/count', String(stored + b.retained.size)],
      ['store/messages/bytes', String(b.storedBytes)],
      ['store/errors', String(s.storeErrors)],
      ['publish/messages/dropped/store_full', String(s.droppedStoreFull)],
      ['publish/messages/dropped/slow_consumer', String(s.droppedSlowConsumer)],
      ['clients/slow_consumer_disconnects', String(s.slowConsumerDisconnects)],
      ['listeners/accept_errors', String(s.acceptErrors)],
      ['publish/messages/received', String(s.publishReceived)],
      ['publish/messages/sent', String(s.publishSent)],
      ['publish/messages/dropped', String(s.droppedQueueFull + s.droppedSlowConsumer + s.droppedTooLarge + s.droppedExpired + s.droppedStoreFull + s.droppedNotAuthorized)],
      ['bytes/received', String(s.bytesReceived)],
      ['bytes/sent', String(s.bytesSent)],
      ['subscriptions/count', String(b.subscriptions.size)],
      ['retained messages/count', String(b.retained.size)],
      ['heap/current', String(process.memoryUsage().heapUsed)],
    ]);
    if (this.lag) {
      // milliseconds of event-loop delay since the last publication: 99th percentile and worst
      v.set('eventloop/lag/p99', (this.lag.percentile(99) / 1e6).toFixed(1));
      v.set('eventloop/lag/max', (this.lag.max / 1e6).toFixed(1));
      this.lag.reset();
    }
    this.updateLoad(interval);
    for (const [name] of LOADS) {
      for (const [period] of PERIODS) {
        const value = this.load.get(`${name}/${period}`) ?? 0;
        v.set(`load/${name}/${period}`, value.toFixed(2));
      }
    }
    const [l1, l5, l15] = os.loadavg();
    v.set('load/system/1min', l1!.toFixed(2));
    v.set('load/system/5min', l5!.toFixed(2));
    v.set('load/system/15min', l15!.toFixed(2));
    return v;
  }

  private updateLoad(interval: number): void {
    const s = this.broker.stats;
    for (const [name, counter] of LOADS) {
      const now = s[counter];
      const before = this.prev.get(counter);
      this.prev.set(counter, now);
      if (before === undefined) continue;
      const perMinute = ((now - before) * 60) / interval;
      for (const [period, seconds] of PERIODS) {
        const key = `${name}/${period}`;
        const factor = Math.exp(-interval / seconds);
        this.load.set(key, (this.load.get(key) ?? perMinute) * factor + perMinute * (1 - factor));
      }
    }
  }

  private publishAll(interval: number): void {
    const now = this.broker.clock.now();
    for (const [suffix, value] of this.snapshot(interval)) {
      if (this.last.get(suffix) === value) continue;
      this.last.set(suffix, value);
      this.broker.router.publish(
        { topic: `$SYS/broker/${suffix}`, payload: Buffer.from(value), qos: 0, retain: true, receivedAt: now },
        null,
      );
    }
  }
}
