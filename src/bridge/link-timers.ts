/**
 * The timers around one bridge connection: reconnect after backoff,
 * credential renewal (Azure SAS) by reconnecting before expiry, the lazy
 * bridge's idle disconnect, the AWS shadow status report, and warnings
 * rate-limited so a link down for days does not flood the log.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { BridgeStatus } from '../status-types.js';
import { VERSION } from '../version.js';
import type { BridgePlan } from '../config/bridge-plan.js';

/** What the timers ask of the bridge they serve (`bridge.ts` implements it; this file does not import it). */
export interface TimedLink {
  readonly queue: { readonly messages: number };
  reconnect(reason: string, thenIdle?: boolean): void;
  takeSendToken(): boolean;
  status(): BridgeStatus;
}

type Name = 'reconnect' | 'renew' | 'idle' | 'shadow';

/** Same warning at most once per this many ms (the suppressed count is reported with the next one). */
const WARN_EVERY_MS = 60_000;
/** How often credentials are checked for renewal. */
const RENEW_CHECK_MS = 1000;

export function describeLink(plan: BridgePlan): string {
  return `bridge ${plan.name} (${plan.type})`;
}

export class LinkTimers {
  private readonly timers = new Map<Name, NodeJS.Timeout>();
  private readonly warned = new Map<string, { at: number; suppressed: number }>();
  private lastTraffic = Date.now();

  set(name: Name, ms: number, fn: () => void, repeat = false): void {
    this.clear(name);
    const t = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
    t.unref();
    this.timers.set(name, t);
  }

  clear(name: Name): void {
    const t = this.timers.get(name);
    if (t !== undefined) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.timers.keys()]) this.clear(name);
  }

  /** Traffic seen (an ack or an inbound message): the lazy idle clock restarts. */
  touch(): void {
    this.lastTraffic = Date.now();
  }

  onConnected(bridge: TimedLink, plan: BridgePlan, client: MqttClient): void {
    this.touch();
    // polled rather than one long timer: a clock that jumps (NTP on a board without RTC) is noticed at once
    if (plan.profile.credentialsRenewInMs() !== undefined) {
      this.set('renew', RENEW_CHECK_MS, () => {
        if (plan.profile.credentialsRenewInMs() === 0) bridge.reconnect('credentials expire soon: renewing');
      }, true);
    }
    const lazy = plan.lazy;
    if (lazy) {
      const check = Math.min(lazy.idleTimeoutMs, 5000);
      this.set('idle', check, () => {
        if (bridge.queue.messages === 0 && Date.now() - this.lastTraffic >= lazy.idleTimeoutMs) bridge.reconnect('idle (lazy bridge)', true);
      }, true);
    }
    const statusReport = plan.profile.statusReport;
    if (statusReport) {
      const report = () => {
        if (!bridge.takeSendToken()) return; // the replay uses the whole rate: report next time
        const s = bridge.status();
        const reported = { midge: { version: VERSION, queue_depth: s.queueDepth, queue_bytes: s.queueBytes, dead_letters: s.deadLetters, uptime_s: Math.round(process.uptime()) } };
        client.publish(statusReport.topic, statusReport.payload(reported), { qos: 0 });
      };
      report();
      this.set('shadow', statusReport.intervalMs, report, true);
    }
  }

  onDisconnected(): void {
    this.clear('renew');
    this.clear('idle');
    this.clear('shadow');
  }

  rateLimitedWarn(log: Logger, key: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = Date.now();
    const w = this.warned.get(key);
    if (w && now - w.at < WARN_EVERY_MS) {
      w.suppressed++;
      return;
    }
    log.warn({ ...fields, ...(w?.suppressed ? { suppressed: w.suppressed } : {}) }, message);
    this.warned.set(key, { at: now, suppressed: 0 });
  }
}
