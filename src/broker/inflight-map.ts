/**
 * A session's in-flight QoS 1/2 messages by packet id, keeping the sum of
 * their payload sizes up to date through every set/delete/clear, for
 * `mqtt.max_inflight_bytes` (mosquitto's inflight_bytes12).
 */
import type { OutboundEntry } from '../persistence/types.js';

export class InflightMap extends Map<number, OutboundEntry> {
  /** Payload bytes of the entries in the map. */
  bytes = 0;

  override set(id: number, entry: OutboundEntry): this {
    const old = super.get(id);
    if (old) this.bytes -= old.message.payload.length;
    this.bytes += entry.message.payload.length;
    return super.set(id, entry);
  }

  override delete(id: number): boolean {
    const old = super.get(id);
    if (old) this.bytes -= old.message.payload.length;
    return super.delete(id);
  }

  override clear(): void {
    this.bytes = 0;
    super.clear();
  }
}
