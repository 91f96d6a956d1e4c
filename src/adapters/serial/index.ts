/** The serial adapter family: one adapter per enabled `serial:` entry. */
import type { MidgeConfig } from '../../config/types.js';
import type { Adapter, AdapterContext } from '../types.js';
import { SerialAdapter } from './serial-adapter.js';

export { SerialAdapter, type SerialAdapterDeps } from './serial-adapter.js';

export function createSerialAdapters(config: MidgeConfig, ctx: AdapterContext): Adapter[] {
  return config.serial.filter((d) => d.enabled).map((d) => new SerialAdapter(d, ctx));
}
