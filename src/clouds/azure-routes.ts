/**
 * Azure IoT Hub's built-in topics mapped to plain local topics under a
 * prefix (default `azure/<bridge>`), both ways. Pure.
 *
 *   cloud → local
 *     devices/{id}/messages/devicebound/{bag}    → {p}/c2d             (bag → v5 user properties)
 *     $iothub/methods/POST/{method}/?$rid={rid}  → {p}/methods/{method}/{rid}
 *     $iothub/twin/PATCH/properties/desired/?... → {p}/twin/desired    (retained)
 *     $iothub/twin/res/{status}/?$rid={rid}      → {p}/twin/res/{status}/{rid}
 *   local → cloud
 *     {p}/methods/res/{status}/{rid}             → $iothub/methods/res/{status}/?$rid={rid}
 *     {p}/twin/reported                          → $iothub/twin/PATCH/properties/reported/?$rid={n}
 *     {p}/twin/get                               → $iothub/twin/GET/?$rid={n}
 *
 * `azureRoutes` is what the Azure profile offers the bridge as its `routes`.
 */
import { parseMethodRequest, parsePropertyBag, parseTwinResponse } from './azure-topics.js';
import type { CloudRoutes, InboundRoute } from './types.js';

/** Local filters the bridge listens on for replies and twin updates. */
function azureLocalFilters(prefix: string): string[] {
  return [`${prefix}/methods/res/+/+`, `${prefix}/twin/reported`, `${prefix}/twin/get`];
}

function azureInbound(prefix: string, deviceId: string, topic: string): InboundRoute | null {
  const c2d = `devices/${deviceId}/messages/devicebound/`;
  if (topic.startsWith(c2d)) {
    const bag = parsePropertyBag(topic.slice(c2d.length));
    return { localTopic: `${prefix}/c2d`, retain: false, ...(Object.keys(bag).length > 0 ? { userProperties: bag } : {}) };
  }
  const method = parseMethodRequest(topic);
  if (method) return { localTopic: `${prefix}/methods/${method.method}/${method.rid}`, retain: false };
  if (topic.startsWith('$iothub/twin/PATCH/properties/desired/')) return { localTopic: `${prefix}/twin/desired`, retain: true };
  const twin = parseTwinResponse(topic);
  if (twin) return { localTopic: `${prefix}/twin/res/${twin.status}/${twin.rid}`, retain: false };
  return null;
}

/** The IoT Hub topic for a local reply/twin message, or null when `topic` is not one. `rid` numbers twin requests. */
function azureOutbound(prefix: string, topic: string, rid: () => string): string | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const rest = topic.slice(prefix.length + 1);
  const res = /^methods\/res\/(\d{3})\/([^/]+)$/.exec(rest);
  if (res) return `$iothub/methods/res/${res[1]}/?$rid=${res[2]}`;
  if (rest === 'twin/reported') return `$iothub/twin/PATCH/properties/reported/?$rid=${rid()}`;
  if (rest === 'twin/get') return `$iothub/twin/GET/?$rid=${rid()}`;
  return null;
}

/** The Azure routes of one device under `prefix`, as the bridge asks a profile for them. */
export function azureRoutes(prefix: string, deviceId: string): CloudRoutes {
  return {
    localFilters: () => azureLocalFilters(prefix),
    outbound: (topic, rid) => azureOutbound(prefix, topic, rid),
    inbound: (topic) => azureInbound(prefix, deviceId, topic),
  };
}
