/**
 * Typed events for integrators. Listeners run synchronously where the
 * gateway noticed the event (inside message routing for `publish`): keep
 * them short. One that throws is logged and the others still run; the
 * gateway carries on.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClientInfo } from '../broker/hooks.js';
import type { StoredMessage } from '../persistence/types.js';

export interface BridgeStateEvent {
  /** `bridges[].name`. */
  bridge: string;
  /** True when the uplink to the cloud broker is up. */
  connected: boolean;
}

/** Event name → listener arguments. */
export interface GatewayEvents {
  /** Stable. A client's CONNECT was accepted (after `authenticate`); its CONNACK is sent. */
  clientConnected: [client: ClientInfo];
  /** Stable. A connected client's network connection closed (DISCONNECT, error, takeover, gateway stop). */
  clientDisconnected: [client: ClientInfo];
  /**
   * Stable. A message from an MQTT client (or a will) passed `authorizePublish` and is being routed;
   * `client` is null for a will published after its session ended. Messages published in-process
   * (`gateway.publish`, adapters, bridge inbound) are seen with `gateway.subscribe` instead.
   */
  publish: [message: StoredMessage, client: ClientInfo | null];
  /**
   * Experimental. A bridge's uplink went up or down; only for bridges whose `notifications` are on
   * (the default except for aws), as it follows their notification topic.
   */
  bridgeState: [state: BridgeStateEvent];
}

export type GatewayEventName = keyof GatewayEvents;
export type GatewayListener<E extends GatewayEventName> = (...args: GatewayEvents[E]) => void;

/** The subscribing half, as the gateway object shows it. */
export interface GatewayEventSource {
  on<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): this;
  once<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): this;
  off<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): this;
}

/** Holds the listeners and delivers events, each listener guarded. */
export class GatewayEventHub {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log: Logger) {
    this.emitter.setMaxListeners(0); // integrators may attach many; no leak warning
  }

  on<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }

  once<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): void {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
  }

  off<E extends GatewayEventName>(event: E, listener: GatewayListener<E>): void {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  /** True when someone listens (saves building arguments nobody reads). */
  has(event: GatewayEventName): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  emit<E extends GatewayEventName>(event: E, ...args: GatewayEvents[E]): void {
    // rawListeners: `once` wrappers remove themselves when called
    for (const listener of this.emitter.rawListeners(event) as Array<(...a: unknown[]) => void>) {
      try {
        listener(...args);
      } catch (err) {
        this.log.error({ err, event }, 'gateway event listener failed');
      }
    }
  }

  clear(): void {
    this.emitter.removeAllListeners();
  }
}
