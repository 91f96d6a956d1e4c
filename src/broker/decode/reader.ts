/**
 * Bounded reads over one packet's bytes: every field is read from the packet
 * (never past its Remaining Length), and a field that does not fit is a
 * Malformed Packet (spec 1.5, 2.2). Strings are checked strictly.
 */
import { isUtf8 } from 'node:buffer';
import { MalformedPacketError } from '../../errors.js';

/** Longest string checked byte by byte in JavaScript; longer ones go to the native isUtf8. */
const SHORT_STRING = 64;

export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    /** Packet name, for error messages. */
    readonly name: string,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  cutShort(what: string): MalformedPacketError {
    return new MalformedPacketError(`${this.name} too short for its ${what}`);
  }

  u8(what: string): number {
    if (this.pos >= this.end) throw this.cutShort(what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    const p = this.pos;
    if (p + 2 > this.end) throw this.cutShort(what);
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  u32(what: string): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.cutShort(what);
    this.pos = p + 4;
    return this.buf.readUInt32BE(p);
  }

  /** A Variable Byte Integer of at most four bytes [MQTT-1.5.5-1]. */
  varint(what: string): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what);
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 128;
    }
    throw new MalformedPacketError(`${this.name} ${what}: Variable Byte Integer longer than 4 bytes`); // [MQTT-1.5.5-1]
  }

  /** Two-byte length and that many bytes (a copy: a kept value must not pin the socket chunk). */
  binary(what: string): Buffer {
    const length = this.u16(what);
    const p = this.pos;
    if (p + length > this.end) throw this.cutShort(what);
    this.pos = p + length;
    const copy = Buffer.allocUnsafe(length);
    this.buf.copy(copy, 0, p, p + length);
    return copy;
  }

  /** A UTF-8 Encoded String, well-formed and without U+0000. */
  string(what: string): string {
    const length = this.u16(what);
    const p = this.pos;
    const end = p + length;
    if (end > this.end) throw this.cutShort(what);
    this.pos = end;
    const buf = this.buf;
    if (length <= SHORT_STRING) {
      let ascii = true;
      for (let i = p; i < end; i++) {
        const b = buf[i]!;
        if (b === 0) throw new MalformedPacketError(`${this.name} ${what}: UTF-8 string contains U+0000`); // [MQTT-1.5.4-2]
        if (b >= 0x80) ascii = false;
      }
      if (ascii) return buf.toString('latin1', p, end);
      // [MQTT-1.5.4-1] ill-formed UTF-8 (including encoded surrogates)
      if (!isUtf8(buf.subarray(p, end))) throw new MalformedPacketError(`${this.name} ${what}: ill-formed UTF-8 string`);
      return buf.toString('utf8', p, end);
    }
    const bytes = buf.subarray(p, end);
    if (!isUtf8(bytes)) throw new MalformedPacketError(`${this.name} ${what}: ill-formed UTF-8 string`); // [MQTT-1.5.4-1]
    if (bytes.includes(0)) throw new MalformedPacketError(`${this.name} ${what}: UTF-8 string contains U+0000`); // [MQTT-1.5.4-2]
    return buf.toString('utf8', p, end);
  }

  /** The packet must end on its last field (every packet but PUBLISH, whose payload is the rest). */
  expectEnd(): void {
    if (this.pos !== this.end) throw new MalformedPacketError(`${this.name} has ${this.end - this.pos} bytes after its last field`);
  }
}
