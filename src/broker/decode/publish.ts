/** PUBLISH (spec 3.3), every form: QoS 0-2, with or without v5 properties. */
import type { IPublishPacket } from 'mqtt-packet';
import { MalformedPacketError } from '../../errors.js';
import { readProperties } from './properties.js';
import { Reader } from './reader.js';

export function decodePublish(first: number, buf: Buffer, start: number, end: number, v5: boolean): IPublishPacket {
  const qos = (first >> 1) & 3;
  if (qos === 3) throw new MalformedPacketError('PUBLISH with both QoS bits set'); // [MQTT-3.3.1-4]
  const r = new Reader(buf, start, end, 'PUBLISH');
  const topic = r.string('topic name');
  const messageId = qos > 0 ? r.u16('packet identifier') : undefined;
  const properties = v5 ? readProperties(r, 'publish') : undefined;
  // a copy: a retained or queued payload must not pin the whole socket chunk
  const payload = Buffer.allocUnsafe(end - r.pos);
  buf.copy(payload, 0, r.pos, end);
  const packet: IPublishPacket = {
    cmd: 'publish',
    retain: (first & 1) !== 0,
    qos: qos as 0 | 1 | 2,
    dup: (first & 8) !== 0,
    length: end - start,
    topic,
    payload,
  };
  if (messageId !== undefined) packet.messageId = messageId;
  if (properties) packet.properties = properties;
  return packet;
}
