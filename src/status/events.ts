/**
 * GET /api/events: server-sent events for the status page. `status` events
 * carry a full status snapshot once a second; `messages` events carry the
 * messages routed on topics matching metrics.status_page_topics, batched
 * every 250 ms and bounded (a busy broker is summarised with a `skipped`
 * count, never buffered without limit). Nothing runs, and the local bus
 * is not tapped, while no page is open.
 */
import type { ServerResponse } from 'node:http';
import type { LocalBus } from '../broker/local-bus.js';
import type { StoredMessage } from '../persistence/types.js';
import type { GatewayStatus } from './status-json.js';

export interface LiveMessage {
  topic: string;
  /** UTF-8 text (cut at PAYLOAD_CHARS), or `<N bytes of binary data>`. */
  payload: string;
  qos: number;
  retain: boolean;
  /** Epoch ms. */
  at: number;
}

export const MAX_EVENT_CLIENTS = 16;
const STATUS_EVERY_MS = 1000;
const FLUSH_EVERY_MS = 250;
const MAX_BATCH = 200;
const PAYLOAD_CHARS = 512;
/** A client this far behind (bytes not yet taken by its socket) is dropped; the page reconnects by itself. */
const MAX_BACKLOG = 1 << 20;

export interface StatusEventsOptions {
  snapshot: () => GatewayStatus;
  bus: LocalBus;
  /** Topic filter of messages to stream; '' = none. */
  topics: string;
}

export class StatusEvents {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private untap: (() => void) | undefined;
  private pending: StoredMessage[] = [];
  private skipped = 0;

  constructor(private readonly options: StatusEventsOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream; false (nothing written) when MAX_EVENT_CLIENTS are already open. */
  add(res: ServerResponse): boolean {
    if (this.clients.size >= MAX_EVENT_CLIENTS) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    if (this.clients.size === 1) this.startFeeds();
    this.send(res, 'status', this.options.snapshot());
    return true;
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopFeeds();
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stopFeeds();
  }

  private startFeeds(): void {
    this.timer = setInterval(() => this.broadcast('status', this.options.snapshot()), STATUS_EVERY_MS);
    this.timer.unref();
    if (this.options.topics !== '') this.untap = this.options.bus.subscribe(this.options.topics, (m) => this.onMessage(m));
  }

  private stopFeeds(): void {
    clearInterval(this.timer);
    clearTimeout(this.flushTimer);
    this.timer = this.flushTimer = undefined;
    this.untap?.();
    this.untap = undefined;
    this.pending = [];
    this.skipped = 0;
  }

  /** Runs inside routing: only remember the message (bounded); encoding waits for the flush. */
  private onMessage(message: StoredMessage): void {
    if (this.pending.length >= MAX_BATCH) {
      this.skipped++;
      return;
    }
    this.pending.push(message);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_EVERY_MS);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const messages = this.pending.map(liveMessage);
    const skipped = this.skipped;
    this.pending = [];
    this.skipped = 0;
    this.broadcast('messages', { messages, skipped });
  }

  private broadcast(event: string, data: unknown): void {
    const text = frame(event, data);
    for (const res of this.clients) this.write(res, text);
  }

  private send(res: ServerResponse, event: string, data: unknown): void {
    this.write(res, frame(event, data));
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BACKLOG) {
      res.destroy();
      return;
    }
    res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function liveMessage(m: StoredMessage): LiveMessage {
  return { topic: m.topic, payload: payloadText(m.payload), qos: m.qos, retain: m.retain, at: m.receivedAt };
}

function payloadText(payload: Buffer): string {
  let end = Math.min(payload.length, PAYLOAD_CHARS * 4);
  // cut at a character boundary: back off over UTF-8 continuation bytes
  if (end < payload.length) while (end > 0 && (payload[end]! & 0xc0) === 0x80) end--;
  let text: string;
  try {
    text = utf8.decode(payload.subarray(0, end));
  } catch {
    return `<${payload.length} bytes of binary data>`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f]/.test(text)) return `<${payload.length} bytes of binary data>`;
  return text.length > PAYLOAD_CHARS || end < payload.length ? `${text.slice(0, PAYLOAD_CHARS)}…` : text;
}
