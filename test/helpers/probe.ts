/**
 * A well-behaved client that keeps measuring while something else abuses
 * the broker: QoS 1 publish -> own subscription round trips, one after the
 * other, with their latencies. `stop()` returns how many completed and the
 * latency figures, so a test can assert the abuse did not hurt it.
 */
import type { IClientOptions } from 'mqtt';
import { connect, type TestClient } from './clients.js';

export interface ProbeResult {
  roundTrips: number;
  /** Round trips that did not complete within the per-trip timeout. */
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

export interface Probe {
  stop(): Promise<ProbeResult>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Start round trips on `port` (every `gapMs`); each must finish within `timeoutMs`. */
export async function startProbe(port: number, options: IClientOptions = {}, gapMs = 20, timeoutMs = 5000): Promise<Probe> {
  const id = `probe-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const c: TestClient = await connect(port, { clientId: id, ...options });
  await c.client.subscribeAsync(`probe/${id}`, { qos: 1 });
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const roundTrip = (want: string): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const onMessage = (_topic: string, payload: Buffer) => {
        if (payload.toString() === want) done(true);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        c.client.off('message', onMessage);
        resolve(ok);
      };
      c.client.on('message', onMessage);
      c.client.publishAsync(`probe/${id}`, want, { qos: 1 }).catch(() => done(false));
    });
  const loop = (async () => {
    let seq = 0;
    while (running) {
      const start = performance.now();
      if (await roundTrip(String(++seq))) latencies.push(performance.now() - start);
      else failures++;
      c.messages.length = 0;
      if (!c.client.connected) break;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await c.end(true);
      const sorted = [...latencies].sort((a, b) => a - b);
      return { roundTrips: sorted.length, failures, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
    },
  };
}

/** "12 round trips, p50 1.2 ms, p99 3.4 ms, max 5.6 ms" */
export function describeProbe(r: ProbeResult): string {
  return `${r.roundTrips} round trips (${r.failures} failed), p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`;
}
