/**
 * Cross-field rules for `serial:` entries that the per-key schema cannot
 * express: unique names usable in topics, exactly one way to find the
 * port, known parser names, sane reopen delays, and topic templates that
 * expand to valid, distinct topic names.
 */
import { checkTemplate, expandTemplate, slug } from '../topics/template.js';
import { PARSER_NAMES } from '../serial-parsers/registry.js';
import type { MidgeConfig, SerialDeviceConfig } from './types.js';

type Fail = (message: string, path: ReadonlyArray<string | number>) => never;

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const USB_ID = /^[0-9a-fA-F]{4}$/;
const TEMPLATES = ['state_topic', 'field_topic', 'log_topic', 'availability_topic', 'set_topic', 'event_topic'] as const;

export function checkSerial(config: MidgeConfig, fail: Fail): void {
  const names = new Map<string, number>();
  const paths = new Map<string, number>();
  const setTopics = new Map<string, number>();
  config.serial.forEach((d, i) => {
    const at = (key: string): Array<string | number> => ['serial', i, key];
    if (!NAME.test(d.name)) {
      fail(`'${d.name}' cannot be a device id: use lowercase letters, digits and - (e.g. '${slug(d.name)}')`, at('name'));
    }
    const first = names.get(d.name);
    if (first !== undefined) fail(`duplicate serial device name '${d.name}' (same as serial[${first}]); give each device its own name`, at('name'));
    names.set(d.name, i);
    checkPortChoice(d, at, fail);
    if (d.path !== undefined && d.enabled) {
      const other = paths.get(d.path);
      if (other !== undefined) fail(`serial[${other}] already uses ${d.path}; a port can be opened by one device entry only`, at('path'));
      paths.set(d.path, i);
    }
    checkLists(d, at, fail);
    if (d.reopen_max_ms < d.reopen_min_ms) fail(`must be at least reopen_min_ms (${d.reopen_min_ms})`, at('reopen_max_ms'));
    if (d.profile !== 'default') return;
    const prefixProblem = checkTemplate('{prefix}', d.topic_prefix, d.name);
    if (prefixProblem) fail(prefixProblem, at('topic_prefix'));
    for (const key of TEMPLATES) {
      const problem = checkTemplate(d[key], d.topic_prefix, d.name);
      if (problem) fail(problem, at(key));
    }
    if (d.publish_fields && !d.field_topic.includes('{field}')) fail('must contain {field} (or set publish_fields: false)', at('field_topic'));
    const set = expandTemplate(d.set_topic, { prefix: d.topic_prefix, device: d.name, hostname: 'host' });
    const sameSet = setTopics.get(set);
    if (sameSet !== undefined) fail(`same set topic as serial[${sameSet}]: include {device} in it`, at('set_topic'));
    setTopics.set(set, i);
  });
}

function checkPortChoice(d: SerialDeviceConfig, at: (key: string) => Array<string | number>, fail: Fail): void {
  const usb = d.usb_vendor_id !== undefined || d.usb_product_id !== undefined || d.usb_serial !== undefined;
  if (d.path !== undefined && usb) fail('give either path or the usb_* match, not both', at('path'));
  if (d.path === undefined && !usb) {
    fail('say which port: path (e.g. /dev/serial/by-id/usb-1a86_USB_Serial-if00-port0) or usb_vendor_id + usb_product_id', at('name'));
  }
  if (!usb) return;
  for (const key of ['usb_vendor_id', 'usb_product_id'] as const) {
    const v = d[key];
    if (v === undefined) fail(`required with the usb_* match (4 hex digits, see \`lsusb\`)`, at(key));
    else if (!USB_ID.test(v)) fail(`expected 4 hex digits (as in \`lsusb\`: ID 1a86:7523), got '${v}'`, at(key));
  }
}

function checkLists(d: SerialDeviceConfig, at: (key: string) => Array<string | number>, fail: Fail): void {
  const known: readonly string[] = PARSER_NAMES;
  for (const p of d.parsers) {
    if (!known.includes(p)) fail(`unknown parser '${p}' (accepted: ${known.join(', ')})`, at('parsers'));
  }
  if (new Set(d.parsers).size !== d.parsers.length) fail('lists a parser twice', at('parsers'));
  if (new Set(d.csv_columns).size !== d.csv_columns.length) fail('lists a column name twice', at('csv_columns'));
}

