/** Garbage detection (invalid UTF-8, non-printable) and Espressif boot banners. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { detectBootBanner, isBootNoise } from '../../src/adapters/serial/boot-banner.js';
import { classifyFrame } from '../../src/adapters/serial/classify.js';

/** Bytes of the kind a 74880-baud ROM banner turns into at 115200 (illustrative: invalid UTF-8, NULs, high bytes). */
const BANNER_AT_115200 = Buffer.from([0x00, 0xe0, 0x00, 0xfc, 0x1c, 0x8c, 0x8c, 0x0c, 0xec, 0x1c, 0x8c, 0x8c, 0x0c, 0x8c, 0x8c, 0x0c, 0x0c, 0x72, 0x8c, 0x8c, 0x6c, 0x9c]);

describe('classifyFrame', () => {
  const table: Array<[string, Buffer, ReturnType<typeof classifyFrame>]> = [
    ['plain ASCII', Buffer.from('temp:21.5'), { kind: 'text', text: 'temp:21.5' }],
    ['UTF-8 text (°C)', Buffer.from('Temperatur: 21,5 °C'), { kind: 'text', text: 'Temperatur: 21,5 °C' }],
    ['tabs are printable', Buffer.from('a:1\tb:2'), { kind: 'text', text: 'a:1\tb:2' }],
    ['74880-baud banner read at 115200', BANNER_AT_115200, { kind: 'garbage', reason: 'invalid_utf8' }],
    ['lone continuation byte', Buffer.from([0x61, 0x80, 0x62]), { kind: 'garbage', reason: 'invalid_utf8' }],
    ['mostly control characters (valid UTF-8)', Buffer.from([0x01, 0x02, 0x03, 0x61, 0x04]), { kind: 'garbage', reason: 'non_printable' }],
    ['exactly 20% controls is still text, controls stripped', Buffer.from('\u0000abcd'), { kind: 'text', text: 'abcd' }],
    ['21% controls is garbage', Buffer.from(`${'\u0001'.repeat(21)}${'a'.repeat(79)}`), { kind: 'garbage', reason: 'non_printable' }],
    ['C1 controls count as non-printable', Buffer.from('\u0085\u0086x'), { kind: 'garbage', reason: 'non_printable' }],
  ];
  for (const [name, frame, want] of table) it(name, () => assert.deepEqual(classifyFrame(frame), want));
});

describe('boot banners', () => {
  const banners: Array<[string, string, ReturnType<typeof detectBootBanner>]> = [
    ['ESP8266 external reset', ' ets Jan  8 2013,rst cause:2, boot mode:(3,6)', { chip: 'esp8266', cause: '2', bootMode: '(3,6)' }],
    ['ESP8266 watchdog', 'ets Jan  8 2013,rst cause:4, boot mode:(3,7)', { chip: 'esp8266', cause: '4', bootMode: '(3,7)' }],
    ['ESP8266 SDK line', 'rst cause:1, boot mode:(3,6)', { chip: 'esp8266', cause: '1', bootMode: '(3,6)' }],
    ['ESP32 power on', 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', { chip: 'esp32', cause: 'POWERON_RESET', bootMode: '0x13 (SPI_FAST_FLASH_BOOT)' }],
    ['ESP32 software reset', 'rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', { chip: 'esp32', cause: 'SW_CPU_RESET', bootMode: '0x13 (SPI_FAST_FLASH_BOOT)' }],
    ['not a banner', 'reset button pressed', undefined],
    ['not a banner: key:value', 'rst:1', undefined],
  ];
  for (const [name, line, want] of banners) it(name, () => assert.deepEqual(detectBootBanner(line), want));

  const noise = ['load 0x4010f000, len 3460, room 16', 'tail 4', 'chksum 0xcc', 'csum 0xcc', 'v2843a5ac', '~ld',
    'configsip: 0, SPIWP:0xee', 'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00',
    'mode:DIO, clock div:1', 'load:0x3fff0030,len:1184', 'ho 0 tail 12 room 4', 'entry 0x400805e4', 'ets Jun  8 2016 00:22:57'];
  for (const line of noise) it(`ROM noise: ${line}`, () => assert.equal(isBootNoise(line), true));
  for (const line of ['temp:21.5', 'load average 0.5', 'ready']) it(`not noise: ${line}`, () => assert.equal(isBootNoise(line), false));
});
