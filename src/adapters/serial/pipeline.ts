/**
 * Bytes from one port to parsed events: framing, garbage and boot-banner
 * detection, the boot window, then the line parsers. Pure apart from the
 * injectable clock; counts everything it drops.
 */
import { detectBootBanner, isBootNoise, type BootBanner } from './boot-banner.js';
import { classifyFrame } from './classify.js';
import { LineFramer } from './framer.js';
import { LineParser } from '../../serial-parsers/line-parser.js';
import { PARSER_COUNTERS, parserDefinitions, type ParserName } from '../../serial-parsers/registry.js';
import type { Value } from '../../serial-parsers/values.js';

export interface PipelineSink {
  reading(values: Record<string, Value>, parser: ParserName, at: number): void;
  log(text: string, at: number): void;
  reset(banner: BootBanner, at: number): void;
  /** Something was dropped: `reason` is the counter name; for logging at debug level. */
  dropped?(reason: string, detail: string): void;
}

export interface PipelineOptions {
  maxLineLength: number;
  parsers: readonly ParserName[];
  csvColumns?: readonly string[];
  /** Lines within this many ms after open (or after a boot banner) are ignored. */
  bootWindowMs: number;
  now?: () => number;
}

/** Counter names the pipeline maintains, all starting at 0: its own, then those the parsers name. */
export const PIPELINE_COUNTERS: readonly string[] = [
  'lines', 'lines_parsed', 'log_lines', 'lines_dropped', 'overlong', 'garbage', 'boot_ignored', 'boot_noise', 'resets',
  ...PARSER_COUNTERS,
];

export class LinePipeline {
  readonly counters: Record<string, number> = Object.fromEntries(PIPELINE_COUNTERS.map((c) => [c, 0]));
  private readonly framer: LineFramer;
  private readonly parser: LineParser;
  private readonly now: () => number;
  private bootUntil = 0;
  private overlongSeen = 0;

  constructor(private readonly options: PipelineOptions, private readonly sink: PipelineSink) {
    this.framer = new LineFramer({ maxLength: options.maxLineLength, jsonFraming: parserDefinitions(options.parsers).some((p) => p.framesBraces) });
    this.parser = new LineParser(options.parsers, options.csvColumns ?? []);
    this.now = options.now ?? Date.now;
  }

  /** The port (re)opened: partial frames are forgotten and the boot window starts. */
  opened(): void {
    this.framer.reset();
    this.bootUntil = this.now() + this.options.bootWindowMs;
  }

  /** Bytes buffered in an unfinished frame (the caller arms its idle timer when > 0). */
  get pending(): number {
    return this.framer.pending;
  }

  push(chunk: Buffer): void {
    const frames = this.framer.push(chunk);
    this.countOverlong();
    for (const f of frames) this.frame(f);
  }

  /** The line went idle: whatever is buffered is a frame. */
  flush(): void {
    for (const f of this.framer.flush()) this.frame(f);
    this.countOverlong();
  }

  private countOverlong(): void {
    const n = this.framer.overlong - this.overlongSeen;
    if (n === 0) return;
    this.overlongSeen = this.framer.overlong;
    this.counters.overlong! += n;
    this.counters.lines_dropped! += n;
    this.sink.dropped?.('overlong', `longer than ${this.options.maxLineLength} bytes`);
  }

  private frame(frame: Buffer): void {
    const at = this.now();
    const c = classifyFrame(frame);
    if (c.kind === 'garbage') {
      this.counters.garbage!++;
      this.sink.dropped?.('garbage', `${c.reason}, ${frame.length} bytes`);
      return;
    }
    const text = c.text;
    if (text === '') return;
    const banner = detectBootBanner(text);
    if (banner) {
      this.counters.resets!++;
      this.bootUntil = at + this.options.bootWindowMs; // the device is booting again
      this.sink.reset(banner, at);
      return;
    }
    if (isBootNoise(text)) {
      this.counters.boot_noise!++;
      return;
    }
    this.counters.lines!++;
    if (at < this.bootUntil) {
      this.counters.boot_ignored!++;
      this.sink.dropped?.('boot_ignored', text);
      return;
    }
    const r = this.parser.parse(text);
    switch (r.kind) {
      case 'reading':
        this.counters.lines_parsed!++;
        this.sink.reading(r.values, r.parser, at);
        return;
      case 'log':
        this.counters.log_lines!++;
        this.sink.log(r.text, at);
        return;
      case 'dropped':
        this.counters[r.counter]!++;
        this.counters.lines_dropped!++;
        this.sink.dropped?.(r.counter, text);
        return;
      case 'skipped':
        this.counters[r.counter]!++;
        return;
    }
  }
}
