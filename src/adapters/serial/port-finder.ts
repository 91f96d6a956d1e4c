/**
 * Finds the device node for a configured serial device: a configured path
 * (a /dev/serial/by-id link survives replugging) must exist; a USB match
 * (vendor, product, optional serial number) is looked up in
 * SerialPort.list(), or in sysfs when that fails (no udevadm on OpenWrt and
 * in containers). Never throws: a missing device is an answer.
 */
import { realpath, stat } from 'node:fs/promises';
import { listUsbTtys, type UsbPort } from './sysfs-usb.js';

export interface PortMatch {
  path?: string | undefined;
  usbVendorId?: string | undefined;
  usbProductId?: string | undefined;
  usbSerial?: string | undefined;
}

export type FindResult =
  | { found: true; path: string; /** What the path resolves to, e.g. /dev/ttyUSB1 (for logs). */ realPath: string; note?: string }
  | { found: false; reason: string };

export interface FinderDeps {
  /** SerialPort.list() or a stand-in. */
  list: () => Promise<UsbPort[]>;
  /** Fallback when `list` rejects. */
  sysfsList: () => Promise<UsbPort[]>;
}

export function describeMatch(m: PortMatch): string {
  if (m.path !== undefined) return m.path;
  const serial = m.usbSerial !== undefined ? ` serial ${m.usbSerial}` : '';
  return `USB ${m.usbVendorId}:${m.usbProductId}${serial}`;
}

export async function findPort(match: PortMatch, deps: FinderDeps): Promise<FindResult> {
  if (match.path !== undefined) {
    try {
      const s = await stat(match.path);
      if (!s.isCharacterDevice()) return { found: false, reason: `${match.path} is not a character device` };
      return { found: true, path: match.path, realPath: await realpath(match.path) };
    } catch (err) {
      return { found: false, reason: `${match.path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device (unplugged?)' : (err as Error).message}` };
    }
  }
  let ports: UsbPort[];
  let note: string | undefined;
  try {
    ports = await deps.list();
  } catch (err) {
    note = `port list failed (${(err as Error).message}); used sysfs`;
    ports = await deps.sysfsList();
  }
  const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  const hits = ports
    .filter((p) => same(p.vendorId, match.usbVendorId) && same(p.productId, match.usbProductId))
    .filter((p) => match.usbSerial === undefined || p.serialNumber === match.usbSerial)
    .sort((a, b) => a.path.localeCompare(b.path));
  if (hits.length === 0) return { found: false, reason: `no port matches ${describeMatch(match)}${note ? ` (${note})` : ''}` };
  if (hits.length > 1) {
    note = `${hits.length} ports match ${describeMatch(match)} (${hits.map((h) => h.path).join(', ')}); using the first, set usb_serial to choose`;
  }
  const path = hits[0]!.path;
  return { found: true, path, realPath: path, ...(note ? { note } : {}) };
}

/** The finder dependencies for real hardware: serialport's list with the sysfs fallback. */
export async function defaultFinderDeps(): Promise<FinderDeps> {
  const { SerialPort } = await import('serialport');
  return { list: () => SerialPort.list(), sysfsList: () => listUsbTtys() };
}
