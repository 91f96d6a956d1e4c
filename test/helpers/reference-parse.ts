/** What mqtt-packet's own parser makes of some bytes, as plain objects: the reference for the fast decoders. */
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

export function referenceParse(bytes: Buffer, version: 3 | 4 | 5): Packet[] {
  const parser = mqtt.parser({ protocolVersion: version });
  const out: Packet[] = [];
  parser.on('packet', (p: Packet) => out.push({ ...p }));
  parser.parse(bytes);
  return out;
}
