/** NMEA 0183: checksum verification and GGA/RMC decoding, with real receiver output. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, parseNmea, type NmeaResult } from '../../src/serial-parsers/nmea.js';

describe('parseNmea', () => {
  const table: Array<[string, string, NmeaResult | undefined]> = [
    ['NMEA spec example GGA', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
      { kind: 'reading', sentence: 'GGA', values: { lat: 48.1173, lon: 11.516667, fix: 1, sats: 8, hdop: 0.9, alt: 545.4 } }],
    ['NMEA spec example RMC (22.4 knots)', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
      { kind: 'reading', sentence: 'RMC', values: { valid: true, lat: 48.1173, lon: 11.516667, speed: 41.485, course: 84.4 } }],
    ['u-blox GGA (5-decimal minutes)', '$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5B',
      { kind: 'reading', sentence: 'GGA', values: { lat: 47.285233, lon: 8.565265, fix: 1, sats: 8, hdop: 1.01, alt: 499.6 } }],
    ['Adafruit GPS GGA, west longitude negative', '$GPGGA,002153.000,3342.6618,N,11751.3858,W,1,10,1.2,27.0,M,-34.2,M,,0000*5E',
      { kind: 'reading', sentence: 'GGA', values: { lat: 33.71103, lon: -117.856430, fix: 1, sats: 10, hdop: 1.2, alt: 27 } }],
    ['u-blox cold start GGA: no fix, no position', '$GPGGA,,,,,,0,00,99.99,,,,,,*48',
      { kind: 'reading', sentence: 'GGA', values: { fix: 0, sats: 0, hdop: 99.99 } }],
    ['u-blox cold start RMC: void', '$GPRMC,,V,,,,,,,,,,N*53', { kind: 'reading', sentence: 'RMC', values: { valid: false } }],
    ['lowercase hex checksum accepted', '$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5b',
      { kind: 'reading', sentence: 'GGA', values: { lat: 47.285233, lon: 8.565265, fix: 1, sats: 8, hdop: 1.01, alt: 499.6 } }],
    ['GSV: valid but not decoded', '$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74', { kind: 'other', sentence: 'GSV' }],
    ['broken checksum', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48', { kind: 'bad_checksum', sentence: 'GGA' }],
    ['one corrupted character (line noise)', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.5,M,46.9,M,,*47', { kind: 'bad_checksum', sentence: 'GGA' }],
    ['truncated sentence (no checksum): not NMEA', '$GPGGA,123519,4807.038,N,0113', undefined],
    ['plain text', 'hello', undefined],
    ['key:value is not NMEA', 'temp:21.5', undefined],
  ];
  for (const [name, line, want] of table) {
    it(name, () => assert.deepEqual(parseNmea(line), want));
  }

  it('checksum is the XOR between $ and *', () => {
    assert.equal(checksum('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), 0x47);
    assert.equal(checksum(''), 0);
  });

  it('a position with minutes >= 60 is left out, the rest decoded', () => {
    const body = 'GPGGA,123519,4867.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,';
    const line = `$${body}*${checksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
    assert.deepEqual(parseNmea(line), { kind: 'reading', sentence: 'GGA', values: { fix: 1, sats: 8, hdop: 0.9, alt: 545.4 } });
  });
});
