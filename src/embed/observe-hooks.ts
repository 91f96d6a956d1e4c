/**
 * The integrator's hooks with the gateway's events added: `onPublish`,
 * `onConnect` and `onDisconnect` call the integrator's hook first, then
 * emit the event. The checks (`authenticate`, `authorize*`) pass unchanged.
 */
import type { BrokerHooks } from '../broker/hooks.js';
import type { GatewayEventHub } from './events.js';

export function observeHooks(hooks: BrokerHooks | undefined, events: GatewayEventHub): BrokerHooks {
  const own = hooks ?? {};
  return {
    ...own,
    onPublish(message, client) {
      own.onPublish?.(message, client);
      if (events.has('publish')) events.emit('publish', message, client);
    },
    onConnect(client) {
      own.onConnect?.(client);
      events.emit('clientConnected', client);
    },
    onDisconnect(client) {
      own.onDisconnect?.(client);
      events.emit('clientDisconnected', client);
    },
  };
}
