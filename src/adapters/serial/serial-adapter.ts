/**
 * One configured serial device as an Adapter: finds the port (path or USB
 * ids), opens it, feeds bytes through the line pipeline to the topic
 * profile, writes command payloads to the port, and on a missing, busy or
 * unplugged port logs why and retries with backoff. Never throws out of
 * start(): the device may come later.
 */
import type { Logger } from 'pino';
import { Backoff } from '../../util/backoff.js';
import type { SerialDeviceConfig } from '../../config/types.js';
import type { AdapterState, AdapterStatus } from '../../status-types.js';
import type { Adapter, AdapterContext, AvailabilityTopic } from '../types.js';
import { CommandGate } from './commands.js';
import { LinePipeline, type PipelineSink } from './pipeline.js';
import type { ParserName } from '../../serial-parsers/registry.js';
import { defaultFinderDeps, describeMatch, findPort, type FinderDeps, type PortMatch } from './port-finder.js';
import { describeOpenError, openLink, type OpenLink } from './port-link.js';
import { createPublisher } from './profiles.js';
import type { OfflineReason, Publisher } from './publisher.js';
import type { Value } from '../../serial-parsers/values.js';

export interface SerialAdapterDeps {
  finder?: FinderDeps;
  open?: typeof openLink;
  now?: () => number;
  random?: () => number;
  /** Value of {hostname} in topics. */
  hostname?: string;
}

const LINK_COUNTERS = ['opens', 'open_errors', 'disconnects', 'bytes_in', 'bytes_out', 'commands', 'commands_dropped', 'publish_errors'] as const;

export class SerialAdapter implements Adapter {
  readonly kind = 'serial' as const;
  readonly name: string;
  private readonly log: Logger;
  private readonly counters: Record<string, number> = Object.fromEntries(LINK_COUNTERS.map((c) => [c, 0]));
  private readonly pipeline: LinePipeline;
  private readonly publisher: Publisher;
  private readonly gate: CommandGate;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private state: AdapterState = 'starting';
  private lastError: string | undefined;
  private lastLogged: string | undefined;
  private lastReading: AdapterStatus['lastReading'];
  private link: OpenLink | undefined;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private unsubscribers: Array<() => void> = [];
  private readonly seenDrops = new Set<string>();
  private stopped = false;

  constructor(private readonly device: SerialDeviceConfig, private readonly ctx: AdapterContext, private readonly deps: SerialAdapterDeps = {}) {
    this.name = device.name;
    this.log = ctx.logger.child({ adapter: 'serial', device: device.name });
    this.now = deps.now ?? Date.now;
    this.backoff = new Backoff({ baseMs: device.reopen_min_ms, capMs: device.reopen_max_ms, random: deps.random });
    this.publisher = createPublisher(device.profile, { bus: ctx.bus, device, hostname: deps.hostname });
    this.gate = new CommandGate({ lineEnding: device.line_ending, maxLength: device.max_line_length, ratePerSec: device.set_rate_limit, now: this.now });
    this.pipeline = new LinePipeline(
      { maxLineLength: device.max_line_length, parsers: device.parsers as ParserName[], csvColumns: device.csv_columns, bootWindowMs: device.boot_window_ms, now: this.now },
      this.sink(),
    );
  }

  async start(): Promise<void> {
    for (const topic of this.publisher.commandTopics) {
      this.unsubscribers.push(this.ctx.bus.subscribe(topic, (m) => this.command(m.payload, topic)));
    }
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    for (const t of [this.retryTimer, this.idleTimer, this.quietTimer]) clearTimeout(t);
    for (const off of this.unsubscribers) off();
    this.unsubscribers = [];
    const link = this.link;
    this.link = undefined;
    if (link) await link.close();
    this.safely(() => this.publisher.offline('stopped'));
    this.state = 'stopped';
  }

  /** The profile's availability topic (Home Assistant lists it next to the gateway's). */
  get availability(): AvailabilityTopic {
    return this.publisher.availability;
  }

  status(): AdapterStatus {
    return {
      kind: 'serial',
      name: this.name,
      state: this.state,
      counters: { ...this.counters, ...this.pipeline.counters },
      lastReading: this.lastReading,
      lastError: this.lastError,
    };
  }

  /** One try at finding and opening the port; whatever goes wrong becomes a logged retry, never a rejection. */
  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stopped) return;
    try {
      await this.tryOpen();
    } catch (err) {
      // e.g. serialport's native addon missing for this platform: report it, keep the gateway up
      if (!this.stopped) this.retry('error', `serial support failed: ${(err as Error).message}`, 'missing');
    }
  }

  private async tryOpen(): Promise<void> {
    const found = await findPort(this.match(), this.deps.finder ?? (await defaultFinderDeps()));
    if (this.stopped) return;
    if (!found.found) return this.retry('waiting', found.reason, 'missing');
    if (found.note) this.log.warn({ path: found.path }, found.note);
    const generation = ++this.generation;
    let link: OpenLink;
    try {
      link = await (this.deps.open ?? openLink)(found.path, this.device, {
        data: (chunk) => generation === this.generation && this.data(chunk),
        lost: (err) => generation === this.generation && this.lost(err),
        warning: (message) => this.log.warn({ path: found.path }, message),
      });
    } catch (err) {
      this.counters.open_errors!++;
      const why = describeOpenError(err as Error);
      return this.retry(why.startsWith('no such device') ? 'waiting' : 'error', `cannot open ${found.path}: ${why}`, 'missing');
    }
    if (this.stopped || generation !== this.generation) {
      await link.close();
      return;
    }
    this.link = link;
    this.counters.opens!++;
    this.state = 'running';
    this.lastError = undefined;
    this.lastLogged = undefined;
    this.backoff.connected(this.now());
    this.pipeline.opened();
    this.log.info({ path: found.path, realPath: found.realPath, baud: this.device.baud_rate }, 'serial port opened');
    this.safely(() => this.publisher.online());
    this.armQuietTimer();
  }

  private match(): PortMatch {
    const d = this.device;
    return { path: d.path, usbVendorId: d.usb_vendor_id, usbProductId: d.usb_product_id, usbSerial: d.usb_serial };
  }

  /** Log why (once per distinct reason), publish offline, try again after the backoff delay. */
  private retry(state: AdapterState, reason: string, offline: OfflineReason, delay = this.backoff.next()): void {
    this.state = state;
    this.lastError = reason;
    this.safely(() => this.publisher.offline(offline));
    const fields = { match: describeMatch(this.match()), retryMs: Math.round(delay) };
    if (reason !== this.lastLogged) this.log.warn(fields, `serial device not available: ${reason}`);
    else this.log.debug(fields, `serial device still not available: ${reason}`);
    this.lastLogged = reason;
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    this.retryTimer.unref();
  }

  private lost(err: Error | undefined): void {
    this.generation++;
    this.link = undefined;
    this.counters.disconnects!++;
    clearTimeout(this.idleTimer);
    clearTimeout(this.quietTimer);
    this.pipeline.flush();
    const reason = `port closed${err ? `: ${err.message}` : ''} (unplugged?)`;
    this.retry('waiting', reason, 'closed', this.backoff.disconnected(this.now()));
  }

  private data(chunk: Buffer): void {
    this.counters.bytes_in! += chunk.length;
    this.safely(() => this.publisher.online()); // back after availability_timeout
    this.quietTimer?.refresh();
    this.pipeline.push(chunk);
    if (this.pipeline.pending === 0 || this.device.idle_flush_ms === 0) {
      clearTimeout(this.idleTimer);
      return;
    }
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        this.pipeline.flush();
      }, this.device.idle_flush_ms);
      this.idleTimer.unref();
    }
  }

  private armQuietTimer(): void {
    const seconds = this.device.availability_timeout;
    if (seconds === 0) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.log.info(`no data for ${seconds} s: availability offline until the next byte`);
      this.safely(() => this.publisher.offline('timeout'));
    }, seconds * 1000);
    this.quietTimer.unref();
  }

  private command(payload: Buffer, topic: string): void {
    const drop = (reason: string): void => {
      this.counters.commands_dropped!++;
      this.log.warn({ topic, reason }, 'command not written to the serial port');
    };
    const link = this.link;
    if (!link) return drop('port not open');
    const verdict = this.gate.check(payload);
    if (!verdict.ok) return drop(verdict.reason);
    link.write(verdict.bytes).then(
      () => {
        this.counters.commands!++;
        this.counters.bytes_out! += verdict.bytes.length;
        this.safely(() => this.publisher.commandWritten(topic, verdict.line));
      },
      (err: Error) => drop(`write failed: ${err.message}`),
    );
  }

  private sink(): PipelineSink {
    return {
      reading: (values: Record<string, Value>, parser, at) => {
        this.lastReading = { at, values };
        this.log.trace({ parser, values }, 'reading');
        this.safely(() => this.publisher.reading(values, at));
        this.ctx.onReading?.({ kind: 'serial', device: this.name, at, values });
      },
      log: (text, at) => this.safely(() => this.publisher.log(text, at)),
      reset: (banner, at) => {
        this.log.info({ chip: banner.chip, cause: banner.cause, bootMode: banner.bootMode }, 'device reset (boot banner seen)');
        this.safely(() => this.publisher.reset(banner, at));
      },
      dropped: (reason, detail) => {
        const first = !this.seenDrops.has(reason);
        this.seenDrops.add(reason);
        this.log[first ? 'info' : 'debug']({ reason, detail: detail.slice(0, 200) }, 'serial line dropped (counted; later ones logged at debug)');
      },
    };
  }

  /** Publishing must not take the adapter down (a topic the bus refuses): log and count. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.counters.publish_errors!++;
      this.log.error({ err }, 'publishing failed');
    }
  }
}
