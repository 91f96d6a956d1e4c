/**
 * Schema of one `serial:` list entry (kept out of schema.ts for size).
 * Cross-field rules (one way to find the port, unique names, templates
 * that expand to valid topics) are in validate-serial.ts. The parser names
 * come from src/serial-parsers/registry.ts.
 */
import { PARSER_NAMES } from '../serial-parsers/registry.js';
import type { Fields } from './schema-spec.js';
import { bool, int, optBool, optStr, str } from './schema-fields.js';

const template = (def: string, description: string) => str(def, description, 1, 1024);

export const serialDeviceFields = {
  name: {
    type: 'string', minLength: 1, maxLength: 64, default: 'serial',
    description: 'Device id used in topics ({device}): lowercase letters, digits and -, unique among serial devices.',
  },
  enabled: bool(true, 'false keeps the entry but does not open the port.'),
  path: optStr('Device path. Prefer the stable /dev/serial/by-id/... link (it survives replugging into another USB port); /dev/ttyUSB0 may change. Give path or usb_vendor_id + usb_product_id.', 4096),
  usb_vendor_id: optStr('Find the port by USB vendor id (4 hex digits, e.g. 1a86 for CH340, 10c4 for CP210x, 0403 for FTDI), with usb_product_id.', 4),
  usb_product_id: optStr('USB product id (4 hex digits, e.g. 7523) for the usb_vendor_id match.', 4),
  usb_serial: optStr('USB serial number (exact) to tell apart several adapters with the same ids.', 256),
  baud_rate: int(50, 4000000, 115200, 'Line speed. ESP8266 boot ROM output is readable only at 74880.', { unit: 'bits/second' }),
  data_bits: { type: 'enum', values: [5, 6, 7, 8], default: 8, description: 'Data bits per character.' },
  parity: { type: 'enum', values: ['none', 'even', 'odd', 'mark', 'space'], default: 'none', description: 'Parity bit.' },
  stop_bits: { type: 'enum', values: [1, 1.5, 2], default: 1, description: 'Stop bits per character.' },
  hupcl: bool(true, 'Drop DTR when the port closes (the OS default). false keeps DTR up across close, so auto-reset boards (Arduino Uno, NodeMCU) are not reset again by the next open.'),
  dtr: optBool('Set DTR to this level right after opening; unset leaves the level the OS set on open (asserted).'),
  rts: optBool('Set RTS to this level right after opening; unset leaves the level the OS set on open (asserted). On ESP boards DTR and RTS drive reset and boot mode: rts true with dtr false holds the chip in reset (esptool), equal levels leave it running.'),
  boot_window_ms: int(0, 600000, 2000, 'Lines received this long after opening the port (or after a boot banner) are ignored and counted: boards reset on open and print boot noise.', { unit: 'milliseconds' }),
  idle_flush_ms: int(0, 600000, 500, 'A partial line with no newline is taken as complete after this much silence; 0 = wait for the newline.', { unit: 'milliseconds' }),
  max_line_length: int(16, 1048576, 4096, 'Longest line or JSON object; longer ones are dropped and counted (lines_dropped).', { unit: 'bytes' }),
  parsers: {
    type: 'strings', minItems: 0, maxLength: 16, default: PARSER_NAMES,
    description: `Parsers to try, always in the order ${PARSER_NAMES.join(', ')}; a line none of them takes is published as a log line. Leave one out to stop false matches.`,
  },
  csv_columns: {
    type: 'strings', minItems: 0, maxLength: 128, default: [],
    description: 'Names for CSV columns until the device prints a header line; without either, columns are value1, value2...',
  },
  availability_timeout: int(0, 86400, 0, 'Availability turns offline after this long without any data (and back online with the next byte); 0 = only when the port closes.', { unit: 'seconds' }),
  profile: {
    type: 'enum', values: ['default', 'tasmota', 'homie'], default: 'default',
    description: 'Topic layout: default (the templates below), tasmota (tele/<device>/SENSOR, cmnd/<device>/SerialSend) or homie (Homie 4.0 under homie/<device>/). The templates apply to default only.',
  },
  topic_prefix: template('gw/{hostname}', 'Value of {prefix} in the templates; {hostname} is the host name in lowercase, other characters turned to -.'),
  state_topic: template('{prefix}/{device}/state', 'Each reading as JSON: the fields plus "timestamp" (ISO 8601).'),
  field_topic: template('{prefix}/{device}/{field}', 'Each field of a reading as a plain value (21.5, true, text); {field} is the field name with / + # replaced by _.'),
  log_topic: template('{prefix}/{device}/log', 'Lines no parser took, as text.'),
  availability_topic: template('{prefix}/{device}/availability', 'Retained online / offline (port closed, device gone, or availability_timeout).'),
  set_topic: template('{prefix}/{device}/set', 'Payloads published here are written to the port as one line (line_ending appended).'),
  event_topic: template('{prefix}/{device}/event', 'Device events as JSON, e.g. {"event":"reset","chip":"esp8266","cause":"2",...} when a boot banner is seen.'),
  publish_fields: bool(true, 'Publish each field on field_topic, besides the JSON on state_topic.'),
  publish_log: bool(true, 'Publish lines no parser took on log_topic.'),
  qos: { type: 'enum', values: [0, 1], default: 0, description: 'QoS of readings, fields, log lines and events (availability is always QoS 1).' },
  retain: bool(false, 'Retain state and field messages, so a new subscriber gets the last reading at once.'),
  set_rate_limit: int(0, 10000, 0, 'Most commands written per second (bursts up to one second worth); more are dropped and counted. 0 = unlimited.', { unit: 'commands/second' }),
  line_ending: { type: 'enum', values: ['lf', 'crlf', 'cr'], default: 'lf', description: 'Appended to each command written to the port: lf (\\n), crlf (\\r\\n) or cr (\\r).' },
  reopen_min_ms: int(100, 3600000, 1000, 'First delay before reopening a missing, busy or unplugged port; delays grow with jitter up to reopen_max_ms.', { unit: 'milliseconds' }),
  reopen_max_ms: int(100, 3600000, 30000, 'Longest delay between reopen attempts.', { unit: 'milliseconds' }),
} as const satisfies Fields;
