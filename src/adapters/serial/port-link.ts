/**
 * One open serial port: open with the configured line settings, set
 * DTR/RTS, forward data, report the close (unplug shows up as a close with
 * `disconnected`). A thin wrapper over serialport's real bindings; the
 * adapter owns retries.
 */
import type { SerialDeviceConfig } from '../../config/types.js';

export interface OpenLink {
  write(data: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface LinkEvents {
  data(chunk: Buffer): void;
  /** The port closed without close() being called (unplugged, I/O error). */
  lost(err: Error | undefined): void;
  /** Setting DTR/RTS failed (a pty or some adapters refuse); the port stays open. */
  warning(message: string): void;
}

export type LineSettings = Pick<SerialDeviceConfig, 'baud_rate' | 'data_bits' | 'parity' | 'stop_bits' | 'hupcl' | 'dtr' | 'rts'>;

/** Why an open failed, as a short phrase for logs and status. */
export function describeOpenError(err: Error): string {
  const m = err.message;
  if (/Cannot lock port|EBUSY|Resource temporarily unavailable/i.test(m)) return `port busy (another program has it open): ${m}`;
  if (/EACCES|Permission denied/i.test(m)) return `permission denied (add the user to the dialout group): ${m}`;
  if (/ENOENT|No such file/i.test(m)) return `no such device (unplugged?): ${m}`;
  return m;
}

export async function openLink(path: string, settings: LineSettings, events: LinkEvents): Promise<OpenLink> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({
    path,
    baudRate: settings.baud_rate,
    dataBits: settings.data_bits,
    parity: settings.parity,
    stopBits: settings.stop_bits,
    hupcl: settings.hupcl,
    lock: true,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let closing = false;
  port.on('data', (chunk: Buffer) => events.data(chunk));
  port.on('error', () => undefined); // every failure also ends in 'close', handled there
  port.on('close', (err?: Error) => {
    if (!closing) events.lost(err ?? undefined);
  });
  if (settings.dtr !== undefined || settings.rts !== undefined) {
    const lines = { dtr: settings.dtr ?? true, rts: settings.rts ?? true };
    await new Promise<void>((resolve) =>
      port.set(lines, (err) => {
        if (err) events.warning(`cannot set DTR/RTS (${JSON.stringify(lines)}): ${err.message}`);
        resolve();
      }),
    );
  }
  return {
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        port.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}
