/**
 * MQTT 3.1 (protocol level 3, 'MQIsdp') reserved no flag bits that 3.1.1
 * later made mandatory: a 3.1 client may resend PUBREL, SUBSCRIBE or
 * UNSUBSCRIBE with DUP set (`6A`), and 3.1 says nothing of CONNECT flag bit 0
 * or of Will QoS/Retain bits without the Will Flag. mqtt-packet applies the
 * 3.1.1 rules to every level; mosquitto applies them to 3.1.1 and 5.0 only.
 * This lets those 3.1 packets through mqtt-packet as mosquitto does: the DUP
 * bit is read and otherwise ignored, the CONNECT bits are cleared.
 *
 * It relies on mqtt-packet's internals `_parseHeader` and `_parseConnect`
 * and on bl's `_offset`/`_bufs` (mqtt-packet 9, bl 6); the MQTT 3.1 tests in
 * test/integration/mqtt31.test.ts fail if they change.
 */
interface ParserInternals {
  _parseHeader(): boolean | undefined;
  _parseConnect(): unknown;
  _list: { length: number; readUInt8(offset: number): number; _offset(index: number): [number, number]; _bufs: Buffer[]; consume(n: number): void };
  packet: { cmd: string; length: number; qos: number; dup: boolean; retain: boolean };
  settings: { protocolVersion?: number };
}

/** PUBREL, SUBSCRIBE, UNSUBSCRIBE: QoS 1 in the fixed header, DUP free in 3.1. */
const QOS1_TYPES: Readonly<Record<number, string>> = { 6: 'pubrel', 8: 'subscribe', 10: 'unsubscribe' };
const WILL_FLAG = 0x04;
/** CONNECT flag bits 3.1 leaves free: reserved bit 0, and Will QoS/Retain without the Will Flag. */
const RESERVED = 0x01;
const WILL_BITS = 0x38;

export function installMqtt31Parsing(parser: object): void {
  const p = parser as ParserInternals;
  const { _parseHeader: parseHeader, _parseConnect: parseConnect } = p;
  if (typeof parseHeader !== 'function' || typeof parseConnect !== 'function' || typeof (p._list as { _offset?: unknown })._offset !== 'function') {
    throw new Error('mqtt-packet parser internals changed: _parseHeader/_parseConnect/bl _offset not found');
  }

  p._parseHeader = function parse31Header(this: ParserInternals): boolean | undefined {
    if (this.settings.protocolVersion === 3) {
      const first = this._list.readUInt8(0);
      const cmd = QOS1_TYPES[first >> 4];
      if (cmd !== undefined && (first & 0x07) === 0x02) {
        this.packet.cmd = cmd;
        this.packet.qos = 1;
        this.packet.dup = (first & 0x08) !== 0;
        this.packet.retain = false;
        this._list.consume(1);
        return true;
      }
    }
    return parseHeader.call(this);
  };

  p._parseConnect = function parse31Connect(this: ParserInternals): unknown {
    const list = this._list;
    const nameLength = list.length >= 2 ? (list.readUInt8(0) << 8) | list.readUInt8(1) : -1;
    const flagsAt = 2 + nameLength + 1;
    if (nameLength === 6 && flagsAt < this.packet.length && (list.readUInt8(2 + nameLength) & 0x7f) === 3) {
      const flags = list.readUInt8(flagsAt);
      const cleared = flags & ~RESERVED & ~(flags & WILL_FLAG ? 0 : WILL_BITS);
      if (cleared !== flags) {
        const [buf, offset] = list._offset(flagsAt);
        list._bufs[buf]![offset] = cleared; // our copy of the client's bytes
      }
    }
    return parseConnect.call(this);
  };
}
