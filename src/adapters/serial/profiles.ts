/** Picks the topic profile a device is configured with. */
import type { SerialDeviceConfig } from '../../config/types.js';
import { DefaultPublisher } from './publish-default.js';
import { HomiePublisher } from './publish-homie.js';
import { TasmotaPublisher } from './publish-tasmota.js';
import type { Publisher, PublisherContext } from './publisher.js';

export function createPublisher(profile: SerialDeviceConfig['profile'], ctx: PublisherContext): Publisher {
  switch (profile) {
    case 'tasmota':
      return new TasmotaPublisher(ctx);
    case 'homie':
      return new HomiePublisher(ctx);
    case 'default':
      return new DefaultPublisher(ctx);
  }
}
