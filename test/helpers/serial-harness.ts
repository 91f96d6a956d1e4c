/**
 * Shared pieces of the serial integration tests: a pino logger whose JSON
 * records are kept for assertions, and a subscriber view that waits for a
 * payload on a topic (with a timeout, showing what did arrive).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { TestClient } from './clients.js';
import { waitFor } from './wait.js';

export type LogRecord = Record<string, unknown> & { msg: string; level: number };

export function capturingLogger(): { logger: pino.Logger; logs: LogRecord[] } {
  const logs: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), logs };
}

export interface TopicView {
  /** Payloads received on exactly `topic`, oldest first. */
  payloads(topic: string): string[];
  /** Wait until a payload on `topic` matches; returns the first that does. */
  waitPayload(topic: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Wait until the newest payload on `topic` equals `payload`. */
  waitLast(topic: string, payload: string, timeoutMs?: number): Promise<void>;
}

export function topicView(sub: TestClient): TopicView {
  const payloads = (topic: string): string[] => sub.messages.filter((m) => m.topic === topic).map((m) => m.payload.toString());
  return {
    payloads,
    async waitPayload(topic, pattern, timeoutMs = 5000) {
      await waitFor(() => payloads(topic).some((p) => pattern.test(p)), timeoutMs, `${topic} matching ${pattern}; got ${JSON.stringify(payloads(topic))}`);
      return payloads(topic).find((p) => pattern.test(p))!;
    },
    async waitLast(topic, payload, timeoutMs = 5000) {
      await waitFor(() => payloads(topic).at(-1) === payload, timeoutMs, `${topic} last = ${payload}; got ${JSON.stringify(payloads(topic))}`);
    },
  };
}
