/**
 * Topic templates (serial devices' default profile): `{prefix}`, `{device}`,
 * `{field}` and, in the prefix, `{hostname}`. Pure apart from reading the
 * host name; config validation and the serial adapter both use it.
 */
import { hostname } from 'node:os';
import { validateTopicName } from './index.js';

export interface TemplateVars {
  prefix?: string;
  device: string;
  field?: string;
  hostname?: string;
}

/** Lowercase, with anything outside `[a-z0-9-]` turned to `-` (Homie and Home Assistant ids). */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'x' : s;
}

/** The host name as `{hostname}` expands: `Pi-Kitchen.local` → `pi-kitchen-local`. */
export function hostSlug(): string {
  return slug(hostname());
}

/** A field name made safe as one topic level: `/`, `+`, `#` and NUL become `_`. */
export function fieldLevel(field: string): string {
  return field === '' ? '_' : field.replace(/[/+#\u0000]/g, '_');
}

export function expandTemplate(template: string, vars: TemplateVars): string {
  return template.replace(/\{(prefix|device|field|hostname)\}/g, (whole, name: string) => {
    switch (name) {
      case 'prefix':
        return vars.prefix ?? whole;
      case 'device':
        return vars.device;
      case 'field':
        return vars.field === undefined ? whole : fieldLevel(vars.field);
      default:
        return vars.hostname ?? hostSlug();
    }
  });
}

/** Why `template` cannot make a topic name (null when it can), tried with sample values. */
export function checkTemplate(template: string, prefix: string, device: string): string | null {
  const unknown = /\{(?!prefix\}|device\}|field\}|hostname\})[^}]*\}/.exec(template);
  if (unknown) return `unknown placeholder ${unknown[0]} (use {prefix}, {device}, {field})`;
  const p = expandTemplate(prefix, { device, hostname: 'host' });
  const topic = expandTemplate(template, { prefix: p, device, field: 'temperature', hostname: 'host' });
  const invalid = validateTopicName(topic);
  return invalid ? `'${template}' gives '${topic}': ${invalid}` : null;
}
