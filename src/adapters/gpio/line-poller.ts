/**
 * Software edge detection for drivers without edge events (node-libgpiod
 * 0.5 has none): one timer reads every watched line each `periodMs` and
 * reports level changes. `tick()` is public so tests drive it directly.
 */
import type { Level } from './driver.js';

interface Watched {
  read: () => Level;
  last: Level;
  onChange: (level: Level) => void;
  onError: (err: Error) => void;
}

export class LinePoller {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  add(line: number, read: () => Level, onChange: (level: Level) => void, onError: (err: Error) => void): void {
    this.watched.set(line, { read, last: read(), onChange, onError });
    this.timer ??= setInterval(() => this.tick(), this.periodMs).unref();
  }

  remove(line: number): void {
    this.watched.delete(line);
    if (this.watched.size === 0) this.stop();
  }

  /** Reads every line once; a line whose read throws is reported and no longer polled. */
  tick(): void {
    for (const [line, w] of this.watched) {
      let level: Level;
      try {
        level = w.read();
      } catch (err) {
        this.watched.delete(line);
        w.onError(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (level !== w.last) {
        w.last = level;
        w.onChange(level);
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
