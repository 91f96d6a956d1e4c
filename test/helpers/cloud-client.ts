/**
 * MQTT.js clients of the test "cloud" (mosquitto-cloud.ts): by default the
 * observer identity (allowed every topic), collecting messages with their
 * arrival time (performance.now()) for order, count and latency checks.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import type { IClientOptions, IConnackPacket, IPublishPacket, ISubscriptionGrant, MqttClient } from 'mqtt';
import type { QoS } from 'mqtt-packet';
import type { CloudIdentity, MosquittoCloud } from './mosquitto-cloud.js';
import { waitFor } from './wait.js';

export interface CloudMessage {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
  /** performance.now() at arrival. */
  at: number;
}

export interface CloudClient {
  client: MqttClient;
  connack: IConnackPacket;
  messages: CloudMessage[];
  /** Errors after CONNACK (e.g. ECONNRESET from a fault), kept instead of failing the test. */
  errors: Error[];
  /** Subscribe and return the grants (QoS 128 / v5 reason >= 0x80 = refused). */
  subscribe(topics: string | string[], qos?: QoS): Promise<ISubscriptionGrant[]>;
  /** Wait until at least `n` messages arrived; the error says how many did. */
  waitCount(n: number, timeoutMs?: number): Promise<CloudMessage[]>;
  end(force?: boolean): Promise<void>;
}

export interface CloudClientOptions extends IClientOptions {
  /** Who connects; default the cloud's observer. */
  identity?: CloudIdentity;
}

/** MQTT.js options reaching `cloud` as `identity` (usable with mqtt.connect directly). */
export function cloudConnectOptions(cloud: MosquittoCloud, identity: CloudIdentity = cloud.observer): IClientOptions {
  const o: IClientOptions = { host: '127.0.0.1', port: cloud.port, protocol: cloud.tls ? 'mqtts' : 'mqtt' };
  if (identity.username !== undefined) o.username = identity.username;
  if (identity.password !== undefined) o.password = identity.password;
  if (cloud.tls) {
    o.ca = readFileSync(cloud.caFile!);
    o.rejectUnauthorized = true;
    if (identity.cert) {
      o.cert = readFileSync(identity.cert.cert);
      o.key = readFileSync(identity.cert.key);
    }
  }
  return o;
}

/** Connect to the cloud (no auto-reconnect unless `reconnectPeriod` is given); resolves on CONNACK. */
export async function connectCloud(cloud: MosquittoCloud, options: CloudClientOptions = {}): Promise<CloudClient> {
  const { identity, ...rest } = options;
  const client = mqtt.connect({
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
    ...cloudConnectOptions(cloud, identity),
    ...rest,
  });
  const messages: CloudMessage[] = [];
  const errors: Error[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, packet, at: performance.now() }));
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    const onError = (err: Error): void => {
      client.end(true);
      reject(err);
    };
    client.once('connect', (packet: IConnackPacket) => {
      client.off('error', onError);
      client.on('error', (err) => errors.push(err));
      resolve(packet);
    });
    client.once('error', onError);
    client.once('close', () => reject(new Error(`connection to the cloud closed before CONNACK\n${cloud.logText().slice(-2000)}`)));
  });
  return {
    client,
    connack,
    messages,
    errors,
    subscribe: (topics, qos = 1) => client.subscribeAsync(topics, { qos }),
    async waitCount(n, timeoutMs = 5000) {
      await waitFor(() => messages.length >= n, timeoutMs, `${n} cloud message(s), got ${messages.length}`);
      return messages;
    },
    async end(force = false) {
      if (client.connected && !force) await client.endAsync().catch(() => undefined);
      else client.end(true);
    },
  };
}

/** connectCloud + subscribe; throws when the subscription is refused. */
export async function subscribeCloud(cloud: MosquittoCloud, topics: string | string[], options: CloudClientOptions & { qos?: QoS } = {}): Promise<CloudClient> {
  const { qos = 1, ...rest } = options;
  const c = await connectCloud(cloud, rest);
  const grants = await c.subscribe(topics, qos);
  const refused = grants.filter((g) => g.qos >= 0x80);
  if (refused.length > 0) {
    await c.end(true);
    throw new Error(`cloud refused subscription(s) ${refused.map((g) => g.topic).join(', ')}`);
  }
  return c;
}
