/**
 * Watches the fixed headers of the inbound byte stream so that a packet
 * larger than our Maximum Packet Size is refused as soon as its Remaining
 * Length is known, before its body is buffered [MQTT-3.1.2-24 server side:
 * 3.2.2.3.6]. It only counts bytes: mqtt-packet still does the parsing.
 */
import { MalformedPacketError } from '../errors.js';

export class SizeGuard {
  /** Body bytes of the current packet still to come. */
  private skip = 0;
  /** Header bytes of the current packet seen so far (0: expecting a type byte). */
  private header = 0;
  private length = 0;
  private multiplier = 1;

  /** @param max largest whole packet accepted, in bytes; 0 = no limit beyond the protocol's. */
  constructor(private readonly max: number) {}

  /**
   * Scan a chunk. Returns -1 when every packet started in it is within the
   * limit, else the total size of the first packet that is not.
   * Throws MalformedPacketError on a Remaining Length of more than 4 bytes.
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
      const total = this.header + this.length;
      if (this.max > 0 && total > this.max) return total;
      this.skip = this.length;
      this.header = 0;
    }
    return -1;
  }
}
