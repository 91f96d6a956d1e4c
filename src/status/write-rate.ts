/**
 * Flash wear as operators see it: the bytes midge has caused to be written
 * to storage (Linux `/proc/self/io` `write_bytes`: the store's WAL, its
 * checkpoints and, with `log.file`, the log; undefined elsewhere), and the
 * writes per day that the recent rate comes to.
 */
import { readFileSync } from 'node:fs';

/** Bytes this process caused to be written to storage so far, or undefined where the kernel does not say. */
export function processWriteBytes(): number | undefined {
  try {
    const m = /^write_bytes:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The rate over the last `spanMs` or more (since start while younger), from samples taken when asked. */
export class WriteRate {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly spanMs = 10 * 60_000) {}

  /** Take a sample now; returns bytes per day at the recent rate, or undefined before two samples a second apart. */
  perDay(bytes: number | undefined, now = performance.now()): number | undefined {
    if (bytes === undefined) return undefined;
    this.samples.push({ at: now, bytes });
    // keep the newest sample older than the span as the base, drop the ones before it
    while (this.samples.length > 2 && now - this.samples[1]!.at >= this.spanMs) this.samples.shift();
    const base = this.samples[0]!;
    const dt = now - base.at;
    if (dt < 1000) return undefined;
    return ((bytes - base.bytes) / dt) * 86_400_000;
  }
}
