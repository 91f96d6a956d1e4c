/**
 * Prometheus metrics (GET /metrics) with prom-client. Every metric reads the
 * live objects in a collect() callback at scrape time: nothing runs between
 * scrapes, and the hot paths only bump the plain numbers in BrokerStats.
 * Component status (bridges, adapters) is read once per scrape.
 * docs/metrics.md lists every metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import type { AdapterStatus, BridgeState, BridgeStatus, StatusProviders, AdapterState } from '../status-types.js';
import { VERSION } from '../version.js';
import { readProviders, storeFileBytes } from './snapshot.js';
import { processWriteBytes } from './write-rate.js';

type Labels = Record<string, string>;
type Emit = (labels: Labels, value: number) => void;

const BRIDGE_STATES: readonly BridgeState[] = ['idle', 'connecting', 'connected', 'backoff', 'stopped'];
const ADAPTER_STATES: readonly AdapterState[] = ['starting', 'running', 'waiting', 'error', 'stopped'];

export interface MetricsRegistry {
  readonly contentType: string;
  /** The exposition text of every metric, read now. */
  scrape(): Promise<string>;
}

export function createMetricsRegistry(broker: Broker, providers: StatusProviders): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges named like counters (promtool flags them); nodejs_active_{handles,requests,resources} have the same by type
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  let sample: { bridges: BridgeStatus[]; adapters: AdapterStatus[] } | undefined;
  const components = (): { bridges: BridgeStatus[]; adapters: AdapterStatus[] } => (sample ??= readProviders(providers, broker));

  const gauge = (name: string, help: string, labelNames: string[], read: (emit: Emit) => void): void => {
    new Gauge({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        read((labels, value) => Number.isFinite(value) && this.set(labels, value));
      },
    });
  };
  const counter = (name: string, help: string, labelNames: string[], read: (emit: Emit) => void): void => {
    new Counter({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        // a component reporting a bad counter loses that sample, not the whole scrape
        read((labels, value) => Number.isFinite(value) && value >= 0 && this.inc(labels, value));
      },
    });
  };
  const one = (value: () => number) => (emit: Emit) => emit({}, value());
  const s = broker.stats;

  gauge('midge_info', 'Always 1; the version label says which midge this is.', ['version'], (emit) => emit({ version: VERSION }, 1));
  gauge('midge_clients_connected', 'MQTT clients connected now.', [], one(() => s.clientsConnected));
  gauge('midge_clients_maximum', 'Most MQTT clients connected at once since start.', [], one(() => s.clientsMaximum));
  gauge('midge_sessions_offline', 'Persistent sessions whose client is not connected.', [], one(() => countSessions(broker).offline));
  counter('midge_connections_total', 'Network connections accepted since start.', [], one(() => s.connectionsTotal));
  counter('midge_publish_received_total', 'PUBLISH packets received from clients, by QoS.', ['qos'], (emit) =>
    s.publishReceivedByQos.forEach((n, qos) => emit({ qos: String(qos) }, n)));
  counter('midge_publish_sent_total', 'PUBLISH packets sent to clients (resends included), by QoS.', ['qos'], (emit) =>
    s.publishSentByQos.forEach((n, qos) => emit({ qos: String(qos) }, n)));
  counter('midge_publish_refused_total', 'Inbound PUBLISHes not routed: denied by the ACL or over the publish rate limit.', [], one(() => s.publishDropped));
  counter('midge_publish_dropped_total', 'Messages not delivered to a subscriber, by reason.', ['reason'], (emit) => {
    emit({ reason: 'queue_full' }, s.droppedQueueFull);
    emit({ reason: 'expired' }, s.droppedExpired);
    emit({ reason: 'too_large' }, s.droppedTooLarge);
    emit({ reason: 'slow_consumer' }, s.droppedSlowConsumer);
    emit({ reason: 'store_full' }, s.droppedStoreFull);
    emit({ reason: 'not_authorized' }, s.droppedNotAuthorized);
  });
  counter('midge_bytes_received_total', 'Bytes received from MQTT clients.', [], one(() => s.bytesReceived));
  counter('midge_bytes_sent_total', 'Bytes sent to MQTT clients.', [], one(() => s.bytesSent));
  gauge('midge_subscriptions', 'Subscriptions of all sessions.', [], one(() => broker.subscriptions.size));
  gauge('midge_retained_messages', 'Retained messages held.', [], one(() => broker.retained.size));
  gauge('midge_store_queued_messages', 'Messages queued or in flight for clients (all sessions).', [], one(() => countSessions(broker).queued));
  gauge('midge_store_queued_bytes', 'Message bytes (topic + payload) stored for persistent sessions (persistence.max_store_bytes bounds it).', [], one(() => broker.storedBytes));
  gauge('midge_store_file_bytes', 'Size of the SQLite database and its write-ahead log; 0 with persistence off.', [], one(() => storeFileBytes(broker)));
  counter('midge_store_errors_total', 'Store commits that failed (disk full, I/O error).', [], one(() => s.storeErrors));
  if (broker.config.persistence.enabled) {
    counter('midge_store_write_bytes_total', 'Bytes midge caused to be written to storage since start (Linux /proc/self/io write_bytes: the store\'s WAL and checkpoints, and log.file if set): the flash wear.', [],
      (emit) => emit({}, processWriteBytes() ?? NaN));
    const w = () => broker.store.writeStats?.() ?? { commits: NaN, syncs: NaN, cancelledOps: NaN };
    counter('midge_store_commits_total', 'Store transactions committed.', [], one(() => w().commits));
    counter('midge_store_syncs_total', 'WAL flushes to stable storage (each makes every commit before it durable).', [], one(() => w().syncs));
    counter('midge_store_cancelled_writes_total', 'Queued rows never written because they were acknowledged (by a subscriber or the cloud) before their commit.', [], one(() => w().cancelledOps));
  }

  const bridges = (read: (b: BridgeStatus, emit: Emit) => void) => (emit: Emit) => {
    for (const b of components().bridges) read(b, emit);
  };
  gauge('midge_bridge_state', 'Bridge connection state: 1 for the current state, 0 for the others.', ['bridge', 'type', 'state'], bridges((b, emit) => {
    for (const state of BRIDGE_STATES) emit({ bridge: b.name, type: b.type, state }, b.state === state ? 1 : 0);
  }));
  gauge('midge_bridge_queue_messages', 'Messages waiting in the bridge queue (in flight included).', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.queueDepth)));
  gauge('midge_bridge_queue_bytes', 'Bytes (topic + payload) waiting in the bridge queue.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.queueBytes)));
  gauge('midge_bridge_oldest_message_age_seconds', 'Age of the oldest queued message; 0 when the queue is empty.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.oldestAgeSeconds ?? 0)));
  gauge('midge_bridge_inflight_messages', 'Messages sent upstream and not yet acknowledged.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.inFlight)));
  gauge('midge_bridge_send_rate', 'Upstream acknowledgements per second over the last window (replay rate).', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.sendRate)));
  gauge('midge_bridge_dead_letters', 'Messages in the dead-letter table (never accepted upstream).', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.deadLetters)));
  counter('midge_bridge_sent_total', 'Messages acknowledged by the upstream broker.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.sentTotal)));
  counter('midge_bridge_received_total', 'Messages received from upstream.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.receivedTotal)));
  counter('midge_bridge_connects_total', 'Upstream connection attempts.', ['bridge'], bridges((b, emit) => emit({ bridge: b.name }, b.connectsTotal)));
  counter('midge_bridge_dropped_total', 'Messages the bridge dropped, by reason.', ['bridge', 'reason'], bridges((b, emit) => {
    for (const [reason, n] of Object.entries(b.droppedTotal)) emit({ bridge: b.name, reason }, n);
  }));

  const adapters = (read: (a: AdapterStatus, emit: Emit) => void) => (emit: Emit) => {
    for (const a of components().adapters) read(a, emit);
  };
  gauge('midge_adapter_state', 'Device adapter state: 1 for the current state, 0 for the others.', ['kind', 'device', 'state'], adapters((a, emit) => {
    for (const state of ADAPTER_STATES) emit({ kind: a.kind, device: a.name, state }, a.state === state ? 1 : 0);
  }));
  counter('midge_adapter_events_total', 'Device adapter counters (serial lines_parsed/lines_dropped, GPIO edges, commands...).', ['kind', 'device', 'event'], adapters((a, emit) => {
    for (const [event, n] of Object.entries(a.counters)) emit({ kind: a.kind, device: a.name, event }, n);
  }));
  gauge('midge_adapter_last_reading_timestamp_seconds', 'When the device last produced a reading (Unix time).', ['kind', 'device'], adapters((a, emit) => {
    if (a.lastReading) emit({ kind: a.kind, device: a.name }, a.lastReading.at / 1000);
  }));

  return {
    contentType: registry.contentType,
    async scrape() {
      sample = undefined;
      try {
        return await registry.metrics();
      } finally {
        sample = undefined;
      }
    },
  };
}

function countSessions(broker: Broker): { offline: number; queued: number } {
  let offline = 0;
  let queued = 0;
  for (const session of broker.sessions.values()) {
    if (!session.connection) offline++;
    queued += session.queue.length + session.inflightCount;
  }
  return { offline, queued };
}
