/** MQTT.js clients for integration tests: no auto-reconnect, messages collected for waiting on. */
import mqtt from 'mqtt';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { waitFor } from './wait.js';

export interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

export interface TestClient {
  client: MqttClient;
  messages: Received[];
  /** The CONNACK the broker answered with. */
  connack: IConnackPacket;
  /** Wait until at least `n` messages arrived (default 1) and return them all. */
  waitMessages(n?: number, timeoutMs?: number): Promise<Received[]>;
  end(force?: boolean): Promise<void>;
}

export async function connect(port: number, options: IClientOptions = {}): Promise<TestClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
    ...options,
  });
  // listen before CONNACK: a resumed session's queued messages follow it at once
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, packet }));
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    const onError = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('connect', (packet: IConnackPacket) => {
      client.off('error', onError);
      resolve(packet);
    });
    client.once('error', onError);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  return {
    client,
    messages,
    connack,
    async waitMessages(n = 1, timeoutMs = 5000) {
      await waitFor(() => messages.length >= n, timeoutMs, `${n} message(s), got ${messages.length}`);
      return messages;
    },
    async end(force = false) {
      if (client.connected || !force) await client.endAsync(force).catch(() => undefined);
      else client.end(true);
    },
  };
}
