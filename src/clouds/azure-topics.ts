/**
 * Azure IoT Hub's topic syntax: property bags, the topics of one device,
 * direct-method requests and twin responses. Pure.
 */
import { encodeUriComponentStrict } from './azure-sas.js';

/** `k=v&k=v` with keys and values URI-encoded; `$.`-system keys are kept literal. */
export function encodePropertyBag(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries
    .map(([k, v]) => `${k.startsWith('$.') ? k : encodeUriComponentStrict(k)}=${encodeUriComponentStrict(v)}`)
    .join('&');
}

/** decodeURIComponent that keeps a malformed escape as it is instead of throwing. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Inverse of encodePropertyBag (C2D topics carry one); a key without `=` has value ''. */
export function parsePropertyBag(bag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = bag.startsWith('?') ? bag.slice(1) : bag;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    out[key] = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
  }
  return out;
}

/** Topics and filters of one device (or module). */
export function azureTopics(deviceId: string, moduleId?: string) {
  const base = moduleId ? `devices/${deviceId}/modules/${moduleId}` : `devices/${deviceId}`;
  return {
    events: `${base}/messages/events/`,
    c2dFilter: `devices/${deviceId}/messages/devicebound/#`,
    c2dPrefix: `devices/${deviceId}/messages/devicebound/`,
    twinResponseFilter: '$iothub/twin/res/#',
    twinDesiredFilter: '$iothub/twin/PATCH/properties/desired/#',
    methodsFilter: '$iothub/methods/POST/#',
    twinGet: (rid: string): string => `$iothub/twin/GET/?$rid=${rid}`,
    twinReported: (rid: string): string => `$iothub/twin/PATCH/properties/reported/?$rid=${rid}`,
    methodResponse: (status: number, rid: string): string => `$iothub/methods/res/${status}/?$rid=${rid}`,
  };
}

/** `$iothub/methods/POST/{method}/?$rid={rid}` → method and request id; null otherwise. */
export function parseMethodRequest(topic: string): { method: string; rid: string } | null {
  const m = /^\$iothub\/methods\/POST\/([^/]+)\/\?(.*)$/.exec(topic);
  if (!m) return null;
  const rid = parsePropertyBag(m[2]!)['$rid'];
  return rid === undefined ? null : { method: m[1]!, rid };
}

/** `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]` → parts; null otherwise. */
export function parseTwinResponse(topic: string): { status: number; rid: string; version: number | undefined } | null {
  const m = /^\$iothub\/twin\/res\/(\d{3})\/\?(.*)$/.exec(topic);
  if (!m) return null;
  const bag = parsePropertyBag(m[2]!);
  if (bag['$rid'] === undefined) return null;
  const version = bag['$version'] === undefined ? undefined : Number(bag['$version']);
  return { status: Number(m[1]), rid: bag['$rid'], version };
}
