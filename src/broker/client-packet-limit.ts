/**
 * The client's Maximum Packet Size (v5, 3.1.2.11.4) applied to what the
 * broker sends it: a packet that does not fit loses the properties it can do
 * without, and is not sent at all when even that does not fit
 * [MQTT-3.1.2-24] (PUBLISH is handled in delivery.ts: discarded as if
 * delivered [MQTT-3.1.2-25]).
 */
import type { Packet } from 'mqtt-packet';

/**
 * Properties whose absence changes nothing the client must act on, in the
 * order they are given up: Reason String and User Property
 * [MQTT-3.2.2-19/-20, MQTT-3.4.2-2/-3, MQTT-3.9.2-1/-2, MQTT-3.11.2-1/-2,
 * MQTT-3.14.2-3/-4], then a CONNACK's Topic Alias Maximum (absent means 0:
 * the client just sends no aliases, 3.2.2.3.8). The others (Receive Maximum,
 * Maximum QoS, Assigned Client Identifier, Server Keep Alive...) tell the
 * client what it must do; without them the connection is not sent a CONNACK
 * it would misread.
 */
const DISPENSABLE = ['reasonString', 'userProperties', 'topicAliasMaximum'] as const;

type WithProperties = Packet & { properties?: Record<string, unknown> };

/**
 * `packet` encoded in at most `limit` bytes, giving up dispensable
 * properties one by one; undefined when it cannot be made to fit.
 * `packet` itself is not changed.
 */
export function fitClientMaximum(packet: Packet, limit: number, encode: (p: Packet) => Buffer): Buffer | undefined {
  const original = (packet as WithProperties).properties;
  if (original === undefined) return undefined;
  const properties: Record<string, unknown> = { ...original };
  for (const name of DISPENSABLE) {
    if (!(name in properties)) continue;
    delete properties[name];
    const bytes = encode({ ...packet, properties } as Packet);
    if (bytes.length <= limit) return bytes;
  }
  return undefined;
}
