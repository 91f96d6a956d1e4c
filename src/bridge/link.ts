/**
 * One connection attempt to the upstream broker with MQTT.js: TLS options
 * read from the files now (so renewed certificates are used on the next
 * reconnect), no automatic reconnect (the bridge owns backoff and
 * failover), no MQTT.js offline queue (the bridge owns the durable queue),
 * and inbound QoS 1/2 acknowledged only after the local side is durable
 * (MQTT.js `customHandleAcks` is v5-only, so `handleMessage` is used).
 */
import mqtt from 'mqtt';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { ERR, BridgeError } from '../errors.js';
import { readConfiguredFile } from '../tls/key-pair.js';
import type { Address, BridgePlan } from '../config/bridge-plan.js';
import type { ConnectionParams } from '../clouds/registry.js';

export interface LinkHandlers {
  /** A message from upstream (any QoS); called once per PUBLISH. */
  inbound(topic: string, payload: Buffer, packet: IPublishPacket): void;
  /** Calls back once what `inbound` stored locally is durable (before the PUBACK/PUBREC upstream); an error if it could not be stored. */
  whenDurable(callback: (err?: Error) => void): void;
}

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readConfiguredFile(file, what);
  } catch (err) {
    throw new BridgeError((err as Error).message, ERR.BRIDGE_TLS);
  }
}

export function linkOptions(plan: BridgePlan, address: Address, params: ConnectionParams, handlers: LinkHandlers): IClientOptions {
  const tls = plan.tls;
  const options: IClientOptions = {
    host: address.host,
    port: address.port,
    protocol: tls ? 'mqtts' : 'mqtt',
    clientId: params.clientId,
    protocolVersion: params.protocolVersion,
    keepalive: params.keepaliveSec,
    clean: params.clean,
    reconnectPeriod: 0,
    connectTimeout: Math.min(30_000, Math.max(10_000, params.keepaliveSec * 1000)),
    resubscribe: false,
    queueQoSZero: false,
    log: () => undefined, // MQTT.js's `debug` calls cost ~2% of the drain even when disabled
  };
  if (params.username !== undefined) options.username = params.username;
  if (params.password !== undefined) options.password = params.password;
  if (params.protocolVersion === 5 && !params.clean) options.properties = { sessionExpiryInterval: plan.sessionExpiry };
  if (tls) {
    const ca = readPem(tls.cafile, 'cafile');
    const cert = readPem(tls.certfile, 'certfile');
    const key = readPem(tls.keyfile, 'keyfile');
    Object.assign(options, {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: !tls.insecure,
      ...(tls.alpn ? { ALPNProtocols: tls.alpn } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
    });
  }
  return options;
}

/**
 * Connect; resolves with the client once CONNACK accepted the connection,
 * rejects (and closes the client) on any failure before that.
 */
export function openLink(options: IClientOptions, handlers: LinkHandlers): Promise<{ client: MqttClient; connack: IConnackPacket }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(options);
    const fail = (err: Error) => {
      cleanup();
      client.end(true);
      reject(err);
    };
    const onClose = () => fail(new BridgeError('connection closed before CONNACK', ERR.BRIDGE_CONNECT));
    const onConnect = (connack: IConnackPacket) => {
      cleanup();
      resolve({ client, connack });
    };
    const cleanup = () => {
      client.off('error', fail);
      client.off('close', onClose);
      client.off('connect', onConnect);
    };
    client.on('error', fail);
    client.on('close', onClose);
    client.on('connect', onConnect);
    // MQTT.js calls handleMessage for every PUBLISH (QoS 2: at PUBREL) and sends the PUBACK/PUBCOMP after its
    // callback: deliver locally, then acknowledge upstream only once the local side is durable.
    client.handleMessage = (packet, callback) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      handlers.inbound(packet.topic, payload, packet);
      if (packet.qos === 0) callback();
      else {
        handlers.whenDurable((err) => {
          // not stored locally: no acknowledgement, drop the connection so the upstream sends it again
          if (err) client.end(true);
          else callback();
        });
      }
    };
  });
}

/** A clean DISCONNECT, but never waiting more than `ms` for a link that may be dead; then the socket is gone. */
export async function endLink(client: MqttClient, ms: number): Promise<void> {
  const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  await Promise.race([ended, timeout]);
  client.stream?.destroy();
}
