/**
 * The GPIO hardware seam. A driver opens lines by their number on the chip
 * (the BCM number on a Raspberry Pi) and deals in physical levels only:
 * active-low, debounce, edge filtering and counting are done above it, the
 * same way for every driver. Three drivers implement it: onoff (sysfs),
 * chardev (libgpiod) and simulated (no hardware).
 */
export type Level = 0 | 1;
export type Bias = 'as-is' | 'pull-up' | 'pull-down' | 'disable';
export type DriverName = 'onoff' | 'chardev' | 'simulated';

export interface GpioLine {
  readonly line: number;
  /** Current physical level. Throws a DeviceError when the line cannot be read. */
  read(): Level;
  /** Releases the line (unexport / release); never throws. */
  close(): void;
}

export interface GpioInputLine extends GpioLine {
  /**
   * Calls `onChange` with the new physical level whenever the driver sees
   * one (interrupt or poll), unfiltered: bounces included. `onError` gets
   * read failures (an unplugged HAT, a line taken away).
   */
  watch(onChange: (level: Level) => void, onError: (err: Error) => void): void;
}

export interface GpioOutputLine extends GpioLine {
  write(level: Level): void;
}

export interface GpioDriver {
  readonly name: DriverName;
  /** What the driver talks to, for logs and status (`/dev/gpiochip0 (pinctrl-bcm2711)`, `sysfs base 512`). */
  readonly description: string;
  /** Whether `bias` is honoured (only chardev can set pull resistors). */
  readonly supportsBias: boolean;
  /** Claims a line as input; throws a DeviceError (busy, no such line, permission). */
  openInput(line: number, bias: Bias): GpioInputLine;
  /** Claims a line as output at `initial`; throws a DeviceError. */
  openOutput(line: number, initial: Level): GpioOutputLine;
  /** Releases everything still open. */
  close(): void;
}
