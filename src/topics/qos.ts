/** MQTT Quality of Service levels: the one definition (persistence, broker, bridge and clouds import it). */
export type QoS = 0 | 1 | 2;
