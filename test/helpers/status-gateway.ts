/**
 * A real in-process gateway (startGateway) with the metrics/status HTTP
 * listener on 127.0.0.1 port 0, fed by status providers built in the test
 * (plain data, changed by the test between reads), and its log kept.
 */
import type { BrokerHooks } from '../../src/broker/hooks.js';
import { validateConfig } from '../../src/config/validate.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/log.js';
import { RecentLogs } from '../../src/log-recent.js';
import type { AdapterStatus, BridgeStatus, StatusProviders } from '../../src/status-types.js';

export interface StatusGateway {
  gateway: Gateway;
  mqttPort: number;
  /** `http://127.0.0.1:PORT` of the status listener. */
  url: string;
  /** What the providers return; change them and the next read sees it. */
  bridges: BridgeStatus[];
  adapters: AdapterStatus[];
  /** When set, the bridges provider throws it (a component bug). */
  bridgesError: Error | undefined;
  log(): string;
  stop(): Promise<void>;
}

export async function startStatusGateway(extra: Record<string, unknown> = {}, hooks?: BrokerHooks): Promise<StatusGateway> {
  const config = validateConfig({
    listeners: [{ host: '127.0.0.1', port: 0 }],
    persistence: { enabled: false },
    sys: { interval: 0 },
    ...extra,
    metrics: { listen: '127.0.0.1:0', ...(extra['metrics'] as object | undefined) },
  });
  let text = '';
  const recentLogs = new RecentLogs();
  const logger = createLogger({ level: 'info', format: 'json' }, { write: (s: string) => void (text += s) }, recentLogs);
  const state = { bridges: [] as BridgeStatus[], adapters: [] as AdapterStatus[], bridgesError: undefined as Error | undefined };
  const providers: StatusProviders = {
    bridges: () => {
      if (state.bridgesError) throw state.bridgesError;
      return state.bridges;
    },
    adapters: () => state.adapters,
  };
  const gateway = await startGateway(config, logger, hooks, { providers, recentLogs });
  return {
    gateway,
    mqttPort: gateway.addresses()[0]!.port,
    url: gateway.status!.url(),
    get bridges() {
      return state.bridges;
    },
    set bridges(v) {
      state.bridges = v;
    },
    get adapters() {
      return state.adapters;
    },
    set adapters(v) {
      state.adapters = v;
    },
    get bridgesError() {
      return state.bridgesError;
    },
    set bridgesError(v) {
      state.bridgesError = v;
    },
    log: () => text,
    stop: () => gateway.stop(),
  };
}

export function bridgeStatus(over: Partial<BridgeStatus> = {}): BridgeStatus {
  return {
    name: 'aws', type: 'aws', state: 'connected', address: 'example-ats.iot.eu-west-1.amazonaws.com:8883',
    queueDepth: 12, queueBytes: 3400, oldestAgeSeconds: 42.5, inFlight: 2, sentTotal: 1000, receivedTotal: 5,
    droppedTotal: { queue_full: 3 }, deadLetters: 1, sendRate: 12.5, connectsTotal: 2, lastError: undefined, ...over,
  };
}

export function adapterStatus(over: Partial<AdapterStatus> = {}): AdapterStatus {
  return {
    kind: 'serial', name: 'uart0', state: 'running', counters: { lines_parsed: 120, lines_dropped: 2 },
    lastReading: { at: 1_700_000_000_000, values: { temperature: 21.5, door: 'open' } }, lastError: undefined, ...over,
  };
}
