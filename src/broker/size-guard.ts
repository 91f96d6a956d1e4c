/**
 * Watches the fixed headers of the inbound byte stream so that a packet
 * larger than our Maximum Packet Size is refused as soon as its Remaining
 * Length is known, before its body is buffered [MQTT-3.1.2-24 server side:
 * 3.2.2.3.6]. It only counts bytes: mqtt-packet still does the parsing.
 */
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from '../errors.js';

/**
 * Largest CONNECT Remaining Length accepted, whatever max_packet_size says:
 * before CONNECT the client is not authenticated, so it must not make us
 * buffer more. mosquitto's value (packet__read: "Arbitrary limit"); a CONNECT
 * with a full 64 KiB will payload still fits.
 */
export const MAX_CONNECT_REMAINING = 100_000;

export class SizeGuard {
  /** Body bytes of the current packet still to come. */
  private skip = 0;
  /** Header bytes of the current packet seen so far (0: expecting a type byte). */
  private header = 0;
  private length = 0;
  private multiplier = 1;

  /**
   * @param max largest whole packet accepted, in bytes; 0 = no limit beyond the protocol's.
   * @param connectFirst the stream must start with a CONNECT of at most MAX_CONNECT_REMAINING (a client connection)
   */
  constructor(
    private readonly max: number,
    private connectFirst = false,
  ) {}

  /**
   * Scan a chunk. Returns -1 when every packet started in it is within the
   * limit, else the total size of the first packet that is not.
   * Throws MalformedPacketError on a Remaining Length of more than 4 bytes;
   * with `connectFirst`, ProtocolError when the first byte is not CONNECT and
   * PacketTooLargeError for a larger CONNECT, both before its body is buffered.
   */
  check(chunk: Buffer): number {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      if (this.header === 0) {
        // [MQTT-3.1.0-1] the first packet must be CONNECT: refused at its first byte (as mosquitto)
        if (this.connectFirst && (chunk[i]! & 0xf0) !== 0x10) throw new ProtocolError('first packet is not CONNECT');
        this.header = 1;
        this.length = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      const b = chunk[i++]!;
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.header++;
      if (b & 0x80) {
        // [MQTT-1.5.5-1] a Variable Byte Integer has at most four bytes
        if (this.header > 4) throw new MalformedPacketError('remaining length longer than 4 bytes');
        continue;
      }
      if (this.connectFirst) {
        this.connectFirst = false;
        if (this.length > MAX_CONNECT_REMAINING) {
          throw new PacketTooLargeError(`CONNECT remaining length ${this.length} exceeds the pre-authentication limit of ${MAX_CONNECT_REMAINING}`);
        }
      }
      const total = this.header + this.length;
      if (this.max > 0 && total > this.max) return total;
      this.skip = this.length;
      this.header = 0;
    }
    return -1;
  }
}
