/**
 * Topic prefixes and identifiers shared by the adapters and Home Assistant
 * discovery: `{hostname}` in a configured prefix becomes the host name, and
 * names become ids that both MQTT topics and Home Assistant accept.
 */
import { hostname } from 'node:os';

/** Lower case letters, digits, `_` and `-`; anything else becomes `_`. Never empty. */
export function slugify(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return slug === '' ? 'midge' : slug;
}

/** The host name as a slug (`Pi-Garage.local` → `pi-garage_local`). */
export function hostSlug(host: string = hostname()): string {
  return slugify(host);
}

/** `midge/{hostname}` → `midge/pi-garage`. */
export function expandPrefix(prefix: string, host: string = hostname()): string {
  return prefix.replaceAll('{hostname}', hostSlug(host));
}
