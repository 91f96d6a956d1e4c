/**
 * One GPIO driver shared by every pin adapter: opened by the first pin that
 * needs it, closed when the last pin stops. A failed open is not cached,
 * so each pin's retry probes the kernel again (a HAT plugged in later, a
 * module installed).
 */
import type { Logger } from 'pino';
import type { GpioConfig } from '../../config/types.js';
import type { GpioDriver } from './driver.js';
import { openDriver } from './select-driver.js';
import type { DriverEnvironment } from './select-driver.js';

export class GpioController {
  private driver: GpioDriver | undefined;
  private opening: Promise<GpioDriver> | undefined;
  private users = 0;

  constructor(
    private readonly config: GpioConfig,
    private readonly env: DriverEnvironment,
    private readonly logger: Logger,
  ) {}

  /** The shared driver; rejects with a DeviceError saying why there is none. */
  async acquire(): Promise<GpioDriver> {
    if (this.driver) {
      this.users++;
      return this.driver;
    }
    this.opening ??= openDriver(this.config, this.env).finally(() => {
      this.opening = undefined;
    });
    const driver = await this.opening;
    if (!this.driver) {
      this.driver = driver;
      this.logger.info({ driver: driver.name, chip: driver.description }, `GPIO driver ${driver.name} on ${driver.description}`);
    }
    this.users++;
    return this.driver;
  }

  release(): void {
    if (this.users === 0) return;
    this.users--;
    if (this.users === 0 && this.driver) {
      this.driver.close();
      this.driver = undefined;
    }
  }
}
