/**
 * mqtt-packet decodes UTF-8 strings leniently (ill-formed bytes become
 * U+FFFD), so a broker built on it cannot see [MQTT-1.5.4-1] ill-formed
 * UTF-8 (including encoded surrogates) or [MQTT-1.5.4-2] U+0000. This swaps
 * the parser's string reader for one that checks the raw bytes and flags the
 * packet being parsed; the connection closes on a flagged packet.
 *
 * It relies on mqtt-packet's internal `_parseString` (v9): the unit test in
 * test/unit/strict-strings.test.ts fails if that internal changes.
 */
import { isUtf8 } from 'node:buffer';

interface ParserInternals {
  _parseNum(): number;
  _parseString(): string | null;
  _pos: number;
  _list: { length: number; slice(start: number, end: number): Buffer };
  packet: { length: number };
}

export interface StrictStrings {
  /** Why a string was refused, or undefined while all were fine. Sticky: the connection closes. */
  readonly problem: string | undefined;
}

/** What the checks installed on one parser found; shared by strict-strings and strict-lengths. */
export interface ParseChecks {
  problem: string | undefined;
  /** Set with `problem` when the spec calls it a Protocol Error (0x82) rather than a Malformed Packet (0x81). */
  protocolError?: boolean;
}

/** Install the strict string reader on one mqtt-packet parser instance; problems go to `state`. */
export function installStrictStrings(parser: object, state: ParseChecks = { problem: undefined }): StrictStrings {
  const p = parser as ParserInternals;
  if (typeof p._parseString !== 'function' || typeof p._parseNum !== 'function') {
    throw new Error('mqtt-packet parser internals changed: _parseString/_parseNum not found');
  }
  p._parseString = function parseStrictString(this: ParserInternals): string | null {
    const length = this._parseNum();
    const end = length + this._pos;
    if (length === -1 || end > this._list.length || end > this.packet.length) return null;
    const bytes = this._list.slice(this._pos, end);
    this._pos += length;
    if (!isUtf8(bytes)) state.problem ??= 'ill-formed UTF-8 string'; // [MQTT-1.5.4-1]
    else if (bytes.includes(0)) state.problem ??= 'UTF-8 string contains U+0000'; // [MQTT-1.5.4-2]
    return bytes.toString('utf8');
  };
  return state;
}
