/** Turns errno failures of GPIO calls into DeviceErrors that say what to do. */
import { DeviceError } from '../../errors.js';

export function gpioError(what: string, err: unknown, hint: Partial<Record<string, string>> = {}): DeviceError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  const fix =
    (code && hint[code]) ??
    (code === 'EBUSY'
      ? 'the line is in use by a kernel driver (overlay in config.txt) or another program'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied: run midge as root or in the gpio group'
        : code === 'ENOENT'
          ? 'the GPIO device disappeared'
          : undefined);
  return new DeviceError(`${what}: ${fix ? `${fix} (${detail})` : detail}`, { cause: err });
}
