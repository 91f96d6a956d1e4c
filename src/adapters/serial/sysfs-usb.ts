/**
 * Lists USB serial ports from sysfs, for systems without udevadm (OpenWrt,
 * containers) where SerialPort.list() fails. For each /sys/class/tty/<tty>
 * with a `device` link, the nearest ancestor directory holding `idVendor`
 * is the USB device: its idVendor, idProduct and serial are read. The roots
 * are parameters so tests can use a fake tree.
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface UsbPort {
  /** Device node, e.g. /dev/ttyUSB0. */
  path: string;
  vendorId: string | undefined;
  productId: string | undefined;
  serialNumber: string | undefined;
}

export interface SysfsRoots {
  sys: string;
  dev: string;
}

export const DEFAULT_ROOTS: SysfsRoots = { sys: '/sys', dev: '/dev' };

async function readAttr(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, name), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** USB serial ports (ttyUSB, ttyACM...) with their ids; ports without a USB parent are left out. */
export async function listUsbTtys(roots: SysfsRoots = DEFAULT_ROOTS): Promise<UsbPort[]> {
  const classDir = join(roots.sys, 'class', 'tty');
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch {
    return [];
  }
  const out: UsbPort[] = [];
  for (const name of names.sort()) {
    let dir: string;
    try {
      dir = await realpath(join(classDir, name, 'device'));
    } catch {
      continue; // virtual tty (console, pty): no device
    }
    // ttyUSB: device is the usb-serial port, two levels below the USB device; ttyACM: the interface, one level
    for (let depth = 0; depth < 4 && dir.startsWith(roots.sys) && dir !== roots.sys; depth++, dir = dirname(dir)) {
      const vendorId = await readAttr(dir, 'idVendor');
      if (vendorId === undefined) continue;
      out.push({ path: join(roots.dev, name), vendorId, productId: await readAttr(dir, 'idProduct'), serialNumber: await readAttr(dir, 'serial') });
      break;
    }
  }
  return out;
}
