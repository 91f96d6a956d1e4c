/**
 * Turns a payload from a command topic into the bytes written to the port:
 * trailing line breaks trimmed, the configured line ending appended, size
 * and rate limits applied. Pure apart from the injectable clock.
 */
import { TokenBucket, type Clock } from '../../util/token-bucket.js';

export type LineEnding = 'lf' | 'crlf' | 'cr';

const ENDINGS: Record<LineEnding, string> = { lf: '\n', crlf: '\r\n', cr: '\r' };

export type CommandVerdict = { ok: true; bytes: Buffer; line: string } | { ok: false; reason: 'rate_limited' | 'too_long' | 'empty' };

export interface CommandOptions {
  lineEnding: LineEnding;
  /** Longest line accepted, without the ending. */
  maxLength: number;
  /** Commands per second; 0 = unlimited. */
  ratePerSec: number;
  now?: Clock;
}

export class CommandGate {
  private readonly bucket: TokenBucket | undefined;

  constructor(private readonly options: CommandOptions) {
    this.bucket = options.ratePerSec > 0 ? new TokenBucket({ ratePerSec: options.ratePerSec, now: options.now }) : undefined;
  }

  check(payload: Buffer): CommandVerdict {
    let end = payload.length;
    while (end > 0 && (payload[end - 1] === 0x0a || payload[end - 1] === 0x0d)) end--;
    if (end === 0) return { ok: false, reason: 'empty' };
    if (end > this.options.maxLength) return { ok: false, reason: 'too_long' };
    if (this.bucket && !this.bucket.take()) return { ok: false, reason: 'rate_limited' };
    const body = payload.subarray(0, end);
    return { ok: true, bytes: Buffer.concat([body, Buffer.from(ENDINGS[this.options.lineEnding])]), line: body.toString('utf8') };
  }
}
