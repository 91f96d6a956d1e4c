/**
 * Recognises the boot ROM banner Espressif chips print after a reset, so a
 * reset becomes an event instead of noise. Pure.
 *
 * ESP8266 (ROM at 74880 baud, readable when the port runs at 74880):
 *   ` ets Jan  8 2013,rst cause:2, boot mode:(3,6)`
 * ESP32 family (ROM at 115200):
 *   `rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)`
 * The ROM lines that follow the banner (`load 0x4010f000, len 3460, room 16`,
 * `tail 12`, `chksum 0xcc`, `csum 0xcc`, `v2843a5ac`, `~ld`, `configsip: 0,
 * SPIWP:0xee`, ESP32's `load:0x3fff0030,len:1184`, `entry 0x400805e4`...)
 * are boot noise.
 */

export interface BootBanner {
  chip: 'esp8266' | 'esp32';
  /** Reset cause as printed: a number for ESP8266 (`2` = reset pin), a name for ESP32 (`POWERON_RESET`). */
  cause: string;
  /** ESP8266 boot mode, e.g. `(3,6)`; ESP32 boot strapping, e.g. `0x13 (SPI_FAST_FLASH_BOOT)`. */
  bootMode: string | undefined;
}

const ESP8266 = /rst cause:\s*(\d+),\s*boot mode:\s*(\(\d+,\s*\d+\))/;
const ESP32 = /^rst:0x[0-9a-f]+ \(([A-Z0-9_]+)\),boot:(0x[0-9a-f]+(?: \([A-Z0-9_]+\))?)/i;

/** ESP8266 reset causes (ROM `rst cause`), for logs. */
export const ESP8266_RESET_CAUSES: Record<string, string> = {
  '0': 'unknown',
  '1': 'power on',
  '2': 'external reset',
  '3': 'software reset',
  '4': 'watchdog reset',
  '5': 'deep sleep wake',
};

export function detectBootBanner(text: string): BootBanner | undefined {
  const a = ESP8266.exec(text);
  if (a) return { chip: 'esp8266', cause: a[1]!, bootMode: a[2] };
  const b = ESP32.exec(text.trim());
  if (b) return { chip: 'esp32', cause: b[1]!, bootMode: b[2] };
  return undefined;
}

const ROM_NOISE = [
  /^load[ :]0x[0-9a-f]+, ?len[ :]\d+(, ?room \d+)?$/i,
  /^ho \d+ tail \d+ room \d+$/,
  /^(tail|chksum|csum) (0x[0-9a-f]+|\d+)$/i,
  /^v[0-9a-f]{8}$/i,
  /^~ld$/,
  /^configsip: \d+, SPIWP:0x[0-9a-f]+$/i,
  /^clk_drv:0x[0-9a-f]+,q_drv:0x[0-9a-f]+/i,
  /^mode:(DIO|QIO|DOUT|QOUT), clock div:\d+$/i,
  /^entry 0x[0-9a-f]+$/i,
  /^ets (Jan|Jun|Jul) +\d+ \d{4}( \d\d:\d\d:\d\d)?$/,
];

/** True for the ROM's lines around a boot banner. */
export function isBootNoise(text: string): boolean {
  const t = text.trim();
  return ROM_NOISE.some((re) => re.test(t));
}
