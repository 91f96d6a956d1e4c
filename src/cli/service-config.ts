/**
 * The configuration the packaged service runs with (packaging/midge.service:
 * `midge -c /etc/midge/midge.yaml`), which `midge queue` and `midge status`
 * read when no `-c` is given, so that they look at the same store and
 * status address as the running service. `MIDGE_CONFIG` names another file.
 */
import { existsSync } from 'node:fs';

export const SERVICE_CONFIG = '/etc/midge/midge.yaml';

/** `MIDGE_CONFIG`, else the service's config when it exists, else undefined (the built-in default). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env['MIDGE_CONFIG'];
  if (named) return named;
  return existsSync(SERVICE_CONFIG) ? SERVICE_CONFIG : undefined;
}
