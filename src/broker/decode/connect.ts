/**
 * CONNECT (spec 3.1) at protocol levels 3 ('MQIsdp'), 4 and 5 ('MQTT'),
 * with the bridge bit (0x80) in the level. The handler checks what depends
 * on configuration (name and level matching, client id, will topic).
 */
import type { IConnectPacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import { readProperties } from './properties.js';
import { Reader } from './reader.js';

const USERNAME = 0x80;
const PASSWORD = 0x40;
const WILL_RETAIN = 0x20;
const WILL_QOS = 0x18;
const WILL = 0x04;
const CLEAN = 0x02;
const RESERVED = 0x01;

export function decodeConnect(buf: Buffer, start: number, end: number): IConnectPacket {
  const r = new Reader(buf, start, end, 'CONNECT');
  const protocolId = r.string('protocol name');
  // [MQTT-3.1.2-1] 'MQTT' (3.1.1, 5.0) or 'MQIsdp' (3.1); anything else is not MQTT at all
  if (protocolId !== 'MQTT' && protocolId !== 'MQIsdp') throw new MalformedPacketError(`CONNECT protocol name '${protocolId}'`);
  const levelByte = r.u8('protocol level');
  const bridgeMode = (levelByte & 0x80) !== 0; // mosquitto's bridge flag
  const level = levelByte & 0x7f;
  // [MQTT-3.1.2-2] an unsupported level is answered with CONNACK 0x01 (the connection does that)
  if (level !== 3 && level !== 4 && level !== 5) throw new ProtocolError(`unsupported protocol level ${level}`, RC.UNSUPPORTED_PROTOCOL_VERSION);
  let flags = r.u8('connect flags');
  if (level === 3) {
    // MQTT 3.1 reserves no flag bit and says nothing of Will QoS/Retain without the Will Flag: ignored (as mosquitto)
    flags &= ~RESERVED;
    if ((flags & WILL) === 0) flags &= ~(WILL_QOS | WILL_RETAIN);
  } else {
    if (flags & RESERVED) throw new MalformedPacketError('CONNECT reserved flag bit set'); // [MQTT-3.1.2-3]
    // [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15] no Will QoS or Will Retain without the Will Flag
    if ((flags & WILL) === 0 && flags & (WILL_QOS | WILL_RETAIN)) throw new MalformedPacketError('CONNECT Will QoS/Retain without the Will Flag');
  }
  const keepalive = r.u16('keep alive');
  const properties = level === 5 ? readProperties(r, 'connect') : undefined;
  const clientId = r.string('client identifier');
  const packet: IConnectPacket = {
    cmd: 'connect',
    retain: false,
    qos: 0,
    dup: false,
    length: end - start,
    topic: null,
    payload: null,
    protocolId,
    protocolVersion: level,
    clean: (flags & CLEAN) !== 0,
    keepalive,
    clientId,
  } as IConnectPacket;
  if (bridgeMode) (packet as IConnectPacket & { bridgeMode?: boolean }).bridgeMode = true;
  if (properties) packet.properties = properties;
  if (flags & WILL) {
    const willProperties = level === 5 ? readProperties(r, 'will') : undefined;
    const topic = r.string('will topic');
    const payload = r.binary('will payload');
    packet.will = { retain: (flags & WILL_RETAIN) !== 0, qos: ((flags & WILL_QOS) >> 3) as 0 | 1 | 2, topic, payload };
    if (willProperties) packet.will.properties = willProperties;
  }
  // MQTT 3.1: a User Name or Password flag with nothing left for it is ignored (as mosquitto: "Ignore.")
  const lenient = level === 3;
  if (flags & USERNAME && !(lenient && r.left === 0)) packet.username = r.string('user name');
  if (flags & PASSWORD && !(lenient && r.left === 0)) packet.password = r.binary('password');
  // [MQTT-3.1.2-18] [MQTT-3.1.2-20] no user name or password bytes without their flags
  r.expectEnd();
  return packet;
}
