/**
 * Helpers for the message-flow tests (publish, subscribe, retained, shared,
 * flow control): raw subscribers, unique names, and "nothing arrives" checks.
 */
import assert from 'node:assert/strict';
import type { IPublishPacket, ISubackPacket, ISubscription, Packet } from 'mqtt-packet';
import type mqttPacket from 'mqtt-packet';
import { RawClient } from './raw-client.js';

export const PROTOCOLS = [4, 5] as const;
export type Protocol = (typeof PROTOCOLS)[number];

let counter = 0;
/** A unique client id / topic fragment per call. */
export function unique(prefix = 'm'): string {
  return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(16).slice(2, 8)}`;
}

let nextId = 1;
/** A packet id for raw packets (1..65535). */
export function pid(): number {
  nextId = nextId >= 65535 ? 1 : nextId + 1;
  return nextId;
}

/** Connect a RawClient (CONNACK checked to be a success). */
export async function rawConnected(
  port: number,
  version: 3 | 4 | 5,
  opts: Partial<mqttPacket.IConnectPacket> = {},
): Promise<RawClient> {
  const rc = await RawClient.connect(port, version);
  const connack = await rc.connect(opts);
  assert.equal(connack.reasonCode ?? connack.returnCode ?? 0, 0, 'CONNACK success');
  return rc;
}

/** Send SUBSCRIBE and return the SUBACK. */
export async function rawSubscribe(
  rc: RawClient,
  subscriptions: ISubscription[] | string,
  qos: 0 | 1 | 2 = 0,
  properties?: mqttPacket.ISubscribePacket['properties'],
): Promise<ISubackPacket> {
  const subs = typeof subscriptions === 'string' ? [{ topic: subscriptions, qos }] : subscriptions;
  rc.send({ cmd: 'subscribe', messageId: pid(), subscriptions: subs, properties } as mqttPacket.ISubscribePacket);
  return (await rc.next('suback')) as ISubackPacket;
}

/** Next PUBLISH from the broker. */
export async function nextPublish(rc: RawClient, timeoutMs = 3000): Promise<IPublishPacket> {
  return (await rc.next('publish', timeoutMs)) as IPublishPacket;
}

/** Prove nothing (or nothing of `cmd`) arrives within `ms`: a short fixed wait is fine for a negative. */
export async function expectSilence(rc: RawClient, ms = 200, cmd?: Packet['cmd']): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  const got = cmd ? rc.packets.filter((p) => p.cmd === cmd) : rc.packets;
  assert.equal(got.length, 0, `expected no ${cmd ?? 'packet'}, got ${JSON.stringify(got.map((p) => p.cmd))}`);
}

/** Publish with a RawClient and wait for the ack flow to finish (QoS 1: PUBACK, QoS 2: PUBREC/PUBREL/PUBCOMP). */
export async function rawPublish(
  rc: RawClient,
  topic: string,
  payload: string | Buffer,
  qos: 0 | 1 | 2 = 0,
  extra: Partial<IPublishPacket> = {},
): Promise<Packet | undefined> {
  const messageId = qos > 0 ? pid() : undefined;
  rc.send({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, messageId, ...extra } as IPublishPacket);
  if (qos === 0) return undefined;
  if (qos === 1) return rc.next('puback');
  const pubrec = await rc.next('pubrec');
  rc.send({ cmd: 'pubrel', messageId: messageId! });
  await rc.next('pubcomp');
  return pubrec;
}

/** The payloads of the given publishes as strings. */
export function payloads(list: Array<{ payload: Buffer | string }>): string[] {
  return list.map((p) => p.payload.toString());
}

type Closeable = RawClient | { end(force?: boolean): Promise<void> };

/**
 * Collects the clients a test opens so an `afterEach` can close them even
 * when the test failed half-way (an open MQTT.js client keeps node running).
 */
export class ClientPool {
  private readonly open: Closeable[] = [];

  add<T extends Closeable>(client: T): T {
    this.open.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    const all = this.open.splice(0);
    await Promise.all(all.map(async (c) => (c instanceof RawClient ? c.destroy() : c.end(true))));
  }
}
