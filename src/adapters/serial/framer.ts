/**
 * Cuts the byte stream from a serial port into frames (one line or one JSON
 * object each). Pure: bytes in, frames out; the caller owns timers and
 * calls `flush()` when the line has been idle.
 *
 * - Lines end at `\n`; a trailing `\r` is stripped (Arduino `println` sends `\r\n`).
 * - A frame whose first non-blank byte is `{` is framed by brace depth
 *   instead (strings and escapes respected), so pretty-printed JSON over
 *   several lines and `serializeJson(doc, Serial)` without a newline both
 *   come out as one frame.
 * - A frame longer than `maxLength` bytes is dropped and counted; the rest
 *   of it, up to the next newline, is discarded too.
 * Empty and all-blank lines are skipped (not counted).
 */

export interface FramerOptions {
  /** Longest frame in bytes; longer ones are dropped. */
  maxLength: number;
  /** Frame `{...}` by brace depth (default true). */
  jsonFraming?: boolean;
}

export type Frame = Buffer;

const LF = 0x0a;
const CR = 0x0d;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === CR || b === LF;
}

export class LineFramer {
  private readonly maxLength: number;
  private readonly jsonFraming: boolean;
  private parts: Buffer[] = [];
  private length = 0;
  /** 'line' until the frame's first byte decides; 'json' inside `{...}`; 'discard' after an overlong frame. */
  private mode: 'start' | 'line' | 'json' | 'discard' = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Frames dropped because they exceeded `maxLength`. */
  overlong = 0;

  constructor(options: FramerOptions) {
    this.maxLength = options.maxLength;
    this.jsonFraming = options.jsonFraming ?? true;
  }

  /** Bytes buffered in an unfinished frame. */
  get pending(): number {
    return this.length;
  }

  /** Feed bytes; returns the frames they completed, in order. */
  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    let start = 0; // first byte of `chunk` not yet copied into `parts`
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.mode === 'discard') {
        if (b === LF) this.mode = 'start';
        start = i + 1;
        continue;
      }
      if (this.mode === 'start') {
        if (isBlank(b)) {
          start = i + 1;
          continue;
        }
        this.mode = this.jsonFraming && b === OPEN ? 'json' : 'line';
      }
      if (this.mode === 'line' && b === LF) {
        this.emit(out, chunk.subarray(start, i));
        start = i + 1;
        continue;
      }
      if (this.mode === 'json' && this.jsonByte(b)) {
        this.emit(out, chunk.subarray(start, i + 1));
        start = i + 1;
        continue;
      }
      // +1: room for the `\r` of a `\r\n` ending, stripped in emit()
      if (this.length + (i + 1 - start) > this.maxLength + 1) {
        this.dropOverlong(b === LF);
        start = i + 1;
      }
    }
    if (start < chunk.length && this.mode !== 'discard' && this.mode !== 'start') this.append(chunk.subarray(start));
    return out;
  }

  /** Emit whatever is buffered (the line went idle); empty when nothing is. */
  flush(): Frame[] {
    const out: Frame[] = [];
    if (this.mode === 'discard') this.mode = 'start';
    else if (this.length > 0) this.emit(out, Buffer.alloc(0));
    return out;
  }

  /** Forget any partial frame (port reopened). */
  reset(): void {
    this.parts = [];
    this.length = 0;
    this.mode = 'start';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Tracks brace depth; true when `b` closes the outermost object. */
  private jsonByte(b: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) this.inString = false;
      return false;
    }
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN) this.depth++;
    else if (b === CLOSE) {
      this.depth--;
      return this.depth === 0;
    }
    return false;
  }

  private dropOverlong(atNewline: boolean): void {
    this.overlong++;
    this.reset();
    this.mode = atNewline ? 'start' : 'discard';
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(Buffer.from(bytes)); // copy: the caller may reuse its chunk
    this.length += bytes.length;
  }

  private emit(out: Frame[], tail: Buffer): void {
    const whole = this.parts.length === 0 ? Buffer.from(tail) : Buffer.concat([...this.parts, tail]);
    this.reset();
    let end = whole.length;
    while (end > 0 && isBlank(whole[end - 1]!)) end--;
    if (end === 0) return;
    if (end > this.maxLength) {
      this.overlong++;
      return;
    }
    out.push(whole.subarray(0, end));
  }
}
