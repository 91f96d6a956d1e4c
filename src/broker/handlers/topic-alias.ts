/** Inbound v5 topic aliases [MQTT-3.3.2-7..9]: map per connection, 1..topic_alias_maximum. */
import type { IPublishPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';

export function resolveInboundTopic(conn: ConnectionContext, packet: IPublishPacket): string {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    // [MQTT-3.3.2-1] 3.3.2.3.4: a zero-length Topic Name without a Topic Alias is a Protocol Error
    if (packet.topic.length === 0) throw new ProtocolError('zero-length topic name without a topic alias', RC.PROTOCOL_ERROR);
    return packet.topic;
  }
  const max = conn.broker.config.mqtt.topic_alias_maximum;
  if (alias === 0 || alias > max) {
    // [MQTT-3.3.2-8] [MQTT-3.3.2-9] alias outside 1..Topic Alias Maximum
    throw new ProtocolError(`topic alias ${alias} outside 1..${max}`, RC.TOPIC_ALIAS_INVALID);
  }
  if (packet.topic.length > 0) {
    conn.inboundAliases.set(alias, packet.topic);
    return packet.topic;
  }
  const topic = conn.inboundAliases.get(alias);
  if (topic === undefined) throw new ProtocolError(`unknown topic alias ${alias}`, RC.PROTOCOL_ERROR);
  return topic;
}
