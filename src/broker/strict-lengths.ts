/**
 * mqtt-packet reads each field from its whole buffered byte list, not from
 * the packet: a v5 Property Length that is missing is read from the next
 * packet's bytes (or taken as 0), a property value may run past the end of
 * its property list, and bytes left over after the last field are ignored.
 * Each of these is a Malformed Packet (spec 1.5.5, 2.2.2.2, [MQTT-3.1.2-18]
 * [MQTT-3.1.2-20], 3.12: PINGREQ has no variable header), so this flags them
 * on the parser's shared ParseChecks and the connection closes with 0x81.
 * mqtt-packet also reads a Byte property (Payload Format Indicator, Request
 * Problem/Response Information) as `value !== 0`: any value but 0 or 1 is a
 * Protocol Error [MQTT-3.3.2-4 sense] (0x82, as mosquitto), flagged here too.
 *
 * It relies on mqtt-packet's internals `_parseProperties`, `_parseDisconnect`
 * and `_newPacket` (v9): test/unit/strict-lengths.test.ts fails if they change.
 */
import type { ParseChecks } from './strict-strings.js';

interface ParserInternals {
  _parseProperties(): object | false;
  _parseByType(type: string): unknown;
  _parseDisconnect(): boolean;
  _newPacket(): boolean;
  _pos: number;
  _list: { readUInt8(offset: number): number };
  packet: { cmd: string; length: number; reasonCode?: number };
  settings: { protocolVersion?: number };
  error: Error | null;
}

/** Packets whose v5 Property Length may be left out when nothing follows (3.14.2.2, 3.15.2.2). */
const OPTIONAL_PROPERTIES = new Set(['disconnect', 'auth']);

/** Install the length checks on one mqtt-packet parser instance; problems go to `state`. */
export function installStrictLengths(parser: object, state: ParseChecks): void {
  const p = parser as ParserInternals;
  const { _parseProperties: parseProperties, _parseDisconnect: parseDisconnect, _newPacket: newPacket, _parseByType: parseByType } = p;
  if (typeof parseProperties !== 'function' || typeof parseDisconnect !== 'function' || typeof newPacket !== 'function' || typeof parseByType !== 'function') {
    throw new Error('mqtt-packet parser internals changed: _parseProperties/_parseDisconnect/_newPacket/_parseByType not found');
  }

  p._parseByType = function parseCheckedByte(this: ParserInternals, type: string): unknown {
    // a Byte property is 0 or 1 (3.3.2.3.2, 3.1.2.11.6, 3.1.2.11.7)
    if (type === 'byte' && this._pos < this.packet.length && this._list.readUInt8(this._pos) > 1 && state.problem === undefined) {
      state.problem = `${this.packet.cmd.toUpperCase()} Byte property value ${this._list.readUInt8(this._pos)} (0 or 1 allowed)`;
      state.protocolError = true;
    }
    return parseByType.call(this, type);
  };

  p._parseProperties = function parseBoundedProperties(this: ParserInternals): object | false {
    const packet = this.packet;
    const start = this._pos;
    if (start >= packet.length) {
      if (!OPTIONAL_PROPERTIES.has(packet.cmd)) state.problem ??= `${packet.cmd.toUpperCase()} without its Property Length`;
      return {};
    }
    // the Property Length, read within this packet (a Variable Byte Integer of at most 4 bytes [MQTT-1.5.5-1])
    let length = 0;
    let i = start;
    for (let mul = 1; ; mul *= 128) {
      if (i >= packet.length || i - start === 4) {
        state.problem ??= `${packet.cmd.toUpperCase()} Property Length cut short`;
        return {};
      }
      const b = this._list.readUInt8(i++);
      length += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
    }
    const end = i + length;
    if (end > packet.length) {
      state.problem ??= `${packet.cmd.toUpperCase()} properties run past the end of the packet`;
      return {};
    }
    const result = parseProperties.call(this);
    if (this.error === null && this._pos !== end) state.problem ??= `${packet.cmd.toUpperCase()} property value runs past the end of its property list`;
    return result;
  };

  p._parseDisconnect = function parseBoundedDisconnect(this: ParserInternals): boolean {
    // v5: mqtt-packet looks for the reason code in the buffered bytes, which may be the next packet's
    if (this.settings.protocolVersion === 5 && this.packet.length === 0) {
      this.packet.reasonCode = 0; // 3.14.2.1: no Reason Code means 0x00
      return true;
    }
    return parseDisconnect.call(this);
  };

  p._newPacket = function checkedNewPacket(this: ParserInternals): boolean {
    const packet = this.packet;
    if (this.error === null && packet.cmd !== undefined) {
      const name = packet.cmd.toUpperCase();
      if (this._pos > packet.length) state.problem ??= `${name} shorter than its fields`;
      // a PUBLISH payload is the rest of the packet; anything else must end on its last field
      else if (packet.cmd !== 'publish' && this._pos < packet.length) state.problem ??= `${name} has ${packet.length - this._pos} bytes after its last field`;
    }
    return newPacket.call(this);
  };
}
