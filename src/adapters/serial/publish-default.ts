/**
 * The default profile: topics from the device's templates. State is JSON
 * with an ISO timestamp, each field a plain value, unparsed lines on the
 * log topic, availability retained `online`/`offline`, events as JSON.
 */
import type { BootBanner } from './boot-banner.js';
import { plainValue, type OfflineReason, type Publisher, type PublisherContext } from './publisher.js';
import type { AvailabilityTopic } from '../types.js';
import { expandTemplate, hostSlug } from '../../topics/template.js';
import { setOwn, type Value } from '../../serial-parsers/values.js';

export class DefaultPublisher implements Publisher {
  readonly commandTopics: readonly string[];
  readonly availability: AvailabilityTopic;
  private readonly prefix: string;
  private available: boolean | undefined;

  constructor(private readonly ctx: PublisherContext) {
    const { device } = ctx;
    const hostname = ctx.hostname ?? hostSlug();
    this.prefix = expandTemplate(device.topic_prefix, { device: device.name, hostname });
    this.commandTopics = [this.topic(device.set_topic)];
    this.availability = { topic: this.topic(device.availability_topic), online: 'online', offline: 'offline' };
  }

  private topic(template: string, field?: string): string {
    return expandTemplate(template, { prefix: this.prefix, device: this.ctx.device.name, field, hostname: this.ctx.hostname });
  }

  private get qos(): 0 | 1 {
    return this.ctx.device.qos;
  }

  online(): void {
    if (this.available === true) return;
    this.available = true;
    this.ctx.bus.publish(this.availability.topic, this.availability.online, { qos: 1, retain: true });
  }

  offline(_reason: OfflineReason): void {
    if (this.available === false) return;
    this.available = false;
    this.ctx.bus.publish(this.availability.topic, this.availability.offline, { qos: 1, retain: true });
  }

  reading(values: Record<string, Value>, at: number): void {
    const { device, bus } = this.ctx;
    const state: Record<string, Value> = { timestamp: new Date(at).toISOString() };
    for (const [k, v] of Object.entries(values)) setOwn(state, k === 'timestamp' ? 'device_timestamp' : k, v);
    bus.publish(this.topic(device.state_topic), JSON.stringify(state), { qos: this.qos, retain: device.retain });
    if (!device.publish_fields) return;
    for (const [k, v] of Object.entries(values)) {
      const payload = plainValue(v);
      if (payload !== undefined) bus.publish(this.topic(device.field_topic, k), payload, { qos: this.qos, retain: device.retain });
    }
  }

  log(text: string): void {
    if (this.ctx.device.publish_log) this.ctx.bus.publish(this.topic(this.ctx.device.log_topic), text, { qos: this.qos });
  }

  reset(banner: BootBanner, at: number): void {
    const event = { event: 'reset', chip: banner.chip, cause: banner.cause, boot_mode: banner.bootMode ?? null, timestamp: new Date(at).toISOString() };
    this.ctx.bus.publish(this.topic(this.ctx.device.event_topic), JSON.stringify(event), { qos: this.qos });
  }

  commandWritten(): void {}
}
