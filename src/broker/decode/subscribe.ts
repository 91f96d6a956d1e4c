/** SUBSCRIBE and UNSUBSCRIBE (spec 3.8, 3.10). Filters are checked by the handlers. */
import type { ISubscribePacket, ISubscription, IUnsubscribePacket, QoS } from 'mqtt-packet';
import { MalformedPacketError } from '../../errors.js';
import { readProperties } from './properties.js';
import { Reader } from './reader.js';

export function decodeSubscribe(buf: Buffer, start: number, end: number, version: number, bridge: boolean): ISubscribePacket {
  const r = new Reader(buf, start, end, 'SUBSCRIBE');
  const messageId = r.u16('packet identifier');
  const properties = version === 5 ? readProperties(r, 'subscribe') : undefined;
  const subscriptions: ISubscription[] = [];
  while (r.pos < end) {
    const topic = r.string('topic filter');
    const options = r.u8('subscription options');
    const qos = (options & 3) as QoS;
    if ((qos as number) === 3) throw new MalformedPacketError('SUBSCRIBE with QoS 3'); // [MQTT-3.8.3-4]
    let subscription: ISubscription;
    if (version === 5) {
      if (options & 0xc0) throw new MalformedPacketError('SUBSCRIBE reserved option bits set'); // [MQTT-3.8.3-5]
      const rh = (options >> 4) & 3;
      if (rh === 3) throw new MalformedPacketError('SUBSCRIBE Retain Handling 3'); // 3.8.3.1 (mosquitto and mqtt-packet: Malformed)
      subscription = { topic, qos, nl: (options & 4) !== 0, rap: (options & 8) !== 0, rh };
    } else {
      if (options & 0xfc) throw new MalformedPacketError('SUBSCRIBE reserved option bits set'); // [MQTT-3.8.3-4]
      // a bridge (level with 0x80) gets mosquitto's bridge semantics: no local, retain as published
      subscription = bridge ? { topic, qos, rh: 0, rap: true, nl: true } : { topic, qos };
    }
    subscriptions.push(subscription);
  }
  const packet = { cmd: 'subscribe', retain: false, qos: 1, dup: false, length: end - start, topic: null, payload: null, messageId, subscriptions } as unknown as ISubscribePacket;
  if (properties) packet.properties = properties;
  return packet;
}

export function decodeUnsubscribe(buf: Buffer, start: number, end: number, version: number): IUnsubscribePacket {
  const r = new Reader(buf, start, end, 'UNSUBSCRIBE');
  const messageId = r.u16('packet identifier');
  const properties = version === 5 ? readProperties(r, 'unsubscribe') : undefined;
  const unsubscriptions: string[] = [];
  while (r.pos < end) unsubscriptions.push(r.string('topic filter'));
  const packet = { cmd: 'unsubscribe', retain: false, qos: 1, dup: false, length: end - start, topic: null, payload: null, messageId, unsubscriptions } as unknown as IUnsubscribePacket;
  if (properties) packet.properties = properties;
  return packet;
}
