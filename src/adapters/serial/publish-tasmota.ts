/**
 * Tasmota-style topics, so tools written for Tasmota devices understand
 * the serial device: `tele/<dev>/SENSOR` {"Time":...,fields} (dotted keys
 * nested again, as Tasmota sends `{"BME280":{"Temperature":21.5}}`), raw lines as
 * `tele/<dev>/RESULT` {"SerialReceived":...}, `tele/<dev>/LWT` retained
 * Online/Offline, a reset as `tele/<dev>/INFO3` {"RestartReason":...}, and
 * `cmnd/<dev>/SerialSend` written to the port (answered on
 * `stat/<dev>/RESULT` {"SerialSend":"Done"}).
 */
import { ESP8266_RESET_CAUSES, type BootBanner } from './boot-banner.js';
import { localIsoSeconds, type OfflineReason, type Publisher, type PublisherContext } from './publisher.js';
import { setOwn, type Value } from '../../serial-parsers/values.js';
import type { AvailabilityTopic } from '../types.js';

export class TasmotaPublisher implements Publisher {
  readonly commandTopics: readonly string[];
  readonly availability: AvailabilityTopic;
  private readonly dev: string;
  private available: boolean | undefined;

  constructor(private readonly ctx: PublisherContext) {
    this.dev = ctx.device.name;
    this.commandTopics = [`cmnd/${this.dev}/SerialSend`];
    this.availability = { topic: `tele/${this.dev}/LWT`, online: 'Online', offline: 'Offline' };
  }

  private send(topic: string, payload: unknown, retain = false, qos: 0 | 1 = this.ctx.device.qos): void {
    this.ctx.bus.publish(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos, retain });
  }

  online(): void {
    if (this.available === true) return;
    this.available = true;
    this.send(this.availability.topic, this.availability.online, true, 1);
  }

  offline(_reason: OfflineReason): void {
    if (this.available === false) return;
    this.available = false;
    this.send(this.availability.topic, this.availability.offline, true, 1);
  }

  reading(values: Record<string, Value>, at: number): void {
    this.send(`tele/${this.dev}/SENSOR`, { Time: localIsoSeconds(at), ...nestDotted(values) }, this.ctx.device.retain);
  }

  log(text: string): void {
    if (this.ctx.device.publish_log) this.send(`tele/${this.dev}/RESULT`, { SerialReceived: text });
  }

  reset(banner: BootBanner, at: number): void {
    const reason = banner.chip === 'esp8266' ? (ESP8266_RESET_CAUSES[banner.cause] ?? `cause ${banner.cause}`) : banner.cause;
    this.send(`tele/${this.dev}/INFO3`, { Time: localIsoSeconds(at), RestartReason: reason });
  }

  commandWritten(): void {
    this.send(`stat/${this.dev}/RESULT`, { SerialSend: 'Done' });
  }
}

type Nested = { [key: string]: Value | Nested };

/**
 * `{"BME280.Temperature":21.5}` back to `{"BME280":{"Temperature":21.5}}`.
 * A key whose prefix is itself a key (`a` and `a.b`), or with an empty
 * part, stays flat, so no value is lost or overwritten.
 */
export function nestDotted(values: Record<string, Value>): Nested {
  const out: Nested = {};
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    const clash = parts.some((p, i) => p === '' || (i > 0 && i < parts.length && Object.hasOwn(values, parts.slice(0, i).join('.'))));
    if (parts.length === 1 || clash) {
      setOwn(out, key, value);
      continue;
    }
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(node, part)) setOwn<Value | Nested>(node, part, {});
      node = node[part] as Nested;
    }
    setOwn(node, parts.at(-1)!, value);
  }
  return out;
}
