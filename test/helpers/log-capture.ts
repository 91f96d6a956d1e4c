/**
 * An in-process broker whose JSON log lines are kept, for tests that check
 * what was logged (refused TLS clients, reloads). Listeners are given in full.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Broker } from '../../src/broker/broker.js';
import type { BrokerHooks } from '../../src/broker/hooks.js';
import type { ListenerAddress } from '../../src/broker/listeners.js';
import { MqttServer } from '../../src/broker/server.js';
import type { ListenerConfig } from '../../src/config/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import { waitFor } from './wait.js';

export interface LoggedBroker {
  broker: Broker;
  /** The broker with its listeners (e.g. for `reloadTls()`). */
  server: MqttServer;
  /** Parsed log records so far. */
  logs: Array<Record<string, unknown> & { msg: string }>;
  /** Wait for a log record whose msg matches. */
  waitLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown> & { msg: string }>;
  port(i?: number): number;
  /** The listeners' addresses, in config order. */
  addresses(): ListenerAddress[];
  stop(): Promise<void>;
}

/** `listeners` go through the real config validation (defaults filled, cross-field rules checked). */
export async function startLoggedBroker(listeners: Array<Partial<ListenerConfig>>, options: { hooks?: BrokerHooks; mqtt?: Record<string, unknown> } = {}): Promise<LoggedBroker> {
  const logs: LoggedBroker['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const config = validateConfig({ listeners, sys: { interval: 0 }, persistence: { enabled: false }, mqtt: options.mqtt ?? {} });
  const server = new MqttServer({ config, logger: pino({ level: 'debug' }, sink), store: new MemoryStore(), hooks: options.hooks });
  const broker = server.broker;
  await server.start();
  return {
    broker,
    server,
    logs,
    async waitLog(pattern, timeoutMs = 5000) {
      await waitFor(() => logs.some((l) => pattern.test(l.msg)), timeoutMs, `a log line matching ${pattern}; got:\n${logs.map((l) => l.msg).join('\n')}`);
      return logs.find((l) => pattern.test(l.msg))!;
    },
    port: (i = 0) => server.addresses()[i]!.port,
    addresses: () => server.addresses(),
    stop: () => server.stop(),
  };
}
