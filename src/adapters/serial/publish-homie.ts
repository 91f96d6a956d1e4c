/**
 * Homie 4.0 (homieiot.github.io): the serial device is `homie/<dev>` with
 * one node `serial`. Each reading field becomes a property, declared the
 * first time it is seen ($state goes to init while the structure changes,
 * then back to ready); `log` carries unparsed lines and reset events, and
 * the settable `command` property writes lines to the port. Attributes are
 * retained with QoS 1. $state: ready while the port is open, lost when it
 * closes or goes quiet, disconnected when the gateway stops it.
 */
import type { BootBanner } from './boot-banner.js';
import { plainValue, type OfflineReason, type Publisher, type PublisherContext } from './publisher.js';
import { slug } from '../../topics/template.js';
import type { Value } from '../../serial-parsers/values.js';
import type { AvailabilityTopic } from '../types.js';

const NODE = 'serial';
const RESERVED = new Set(['log', 'command']);

export class HomiePublisher implements Publisher {
  readonly commandTopics: readonly string[];
  /** Home Assistant: `ready` is available, `lost` (port gone, no data) is not. */
  readonly availability: AvailabilityTopic;
  private readonly base: string;
  private readonly ids = new Map<string, string>();
  private readonly taken = new Set(RESERVED);
  private state: string | undefined;

  constructor(private readonly ctx: PublisherContext) {
    this.base = `homie/${ctx.device.name}`;
    this.commandTopics = [`${this.base}/${NODE}/command/set`];
    this.availability = { topic: `${this.base}/$state`, online: 'ready', offline: 'lost' };
    this.setState('init');
    this.attr('$homie', '4.0.0');
    this.attr('$name', ctx.device.name);
    this.attr('$extensions', '');
    this.attr('$nodes', NODE);
    this.attr(`${NODE}/$name`, 'Serial device');
    this.attr(`${NODE}/$type`, 'serial');
    this.declare('log', 'Log', 'string', false, false);
    this.declare('command', 'Command', 'string', true, false);
    this.attr(`${NODE}/$properties`, this.propertyList());
  }

  private attr(path: string, value: string): void {
    this.ctx.bus.publish(`${this.base}/${path}`, value, { qos: 1, retain: true });
  }

  private setState(state: string): void {
    if (this.state === state) return;
    this.state = state;
    this.attr('$state', state);
  }

  private propertyList(): string {
    return [...RESERVED, ...this.ids.values()].join(',');
  }

  private declare(id: string, name: string, datatype: string, settable: boolean, retained: boolean): void {
    this.attr(`${NODE}/${id}/$name`, name);
    this.attr(`${NODE}/${id}/$datatype`, datatype);
    if (settable) this.attr(`${NODE}/${id}/$settable`, 'true');
    if (!retained) this.attr(`${NODE}/${id}/$retained`, 'false');
  }

  /** Property id for a field: slugged, unique, declared on first use. */
  private idFor(field: string, value: Value): string {
    const known = this.ids.get(field);
    if (known !== undefined) return known;
    let id = slug(field);
    for (let n = 2; this.taken.has(id); n++) id = `${slug(field)}-${n}`;
    this.taken.add(id);
    this.ids.set(field, id);
    const wasReady = this.state === 'ready';
    if (wasReady) this.setState('init');
    const datatype = typeof value === 'number' ? 'float' : typeof value === 'boolean' ? 'boolean' : 'string';
    this.declare(id, field, datatype, false, true);
    this.attr(`${NODE}/$properties`, this.propertyList());
    if (wasReady) this.setState('ready');
    return id;
  }

  online(): void {
    this.setState('ready');
  }

  offline(reason: OfflineReason): void {
    this.setState(reason === 'stopped' ? 'disconnected' : 'lost');
  }

  reading(values: Record<string, Value>): void {
    for (const [field, v] of Object.entries(values)) {
      const payload = plainValue(v);
      if (payload === undefined) continue;
      this.ctx.bus.publish(`${this.base}/${NODE}/${this.idFor(field, v)}`, payload, { qos: 1, retain: true });
    }
  }

  log(text: string): void {
    if (this.ctx.device.publish_log) this.ctx.bus.publish(`${this.base}/${NODE}/log`, text, { qos: this.ctx.device.qos });
  }

  reset(banner: BootBanner): void {
    this.ctx.bus.publish(`${this.base}/${NODE}/log`, `reset: ${banner.chip} cause ${banner.cause}`, { qos: this.ctx.device.qos });
  }

  commandWritten(_topic: string, line: string): void {
    this.ctx.bus.publish(`${this.base}/${NODE}/command`, line, { qos: 1 });
  }
}
