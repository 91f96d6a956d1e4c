/**
 * Remembers which discovery configs this gateway published, in a small
 * JSON file next to the database, so that at the next start the entities
 * of a device removed from the config can be deleted from Home Assistant
 * (an empty retained payload on their config topic). Without persistence
 * there is no file and nothing is removed.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';

export interface RegistryEntry {
  topic: string;
  kind: string;
  device: string;
}

export const REGISTRY_FILE = 'homeassistant-discovery.json';

export class DiscoveryRegistry {
  private warned = false;

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger,
  ) {}

  load(): RegistryEntry[] {
    if (!this.file) return [];
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return []; // first start
    }
    try {
      const data = JSON.parse(text) as { entities?: unknown };
      if (!Array.isArray(data.entities)) throw new Error('no entities list');
      return data.entities.filter(isEntry);
    } catch (err) {
      this.logger.warn({ err, file: this.file }, 'ignoring unreadable Home Assistant discovery registry; removed devices may stay in Home Assistant');
      return [];
    }
  }

  save(entries: readonly RegistryEntry[]): void {
    if (!this.file) return;
    try {
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ entities: entries }, null, 1)}\n`);
      renameSync(tmp, this.file);
    } catch (err) {
      if (!this.warned) this.logger.warn({ err, file: this.file }, 'cannot write the Home Assistant discovery registry');
      this.warned = true;
    }
  }
}

/**
 * Entries to delete: GPIO entities not in `gpioTopics` (pins are known
 * exactly from the config), others whose `kind/device` adapter is not running.
 */
export function staleEntries(previous: readonly RegistryEntry[], gpioTopics: ReadonlySet<string>, running: ReadonlySet<string>): RegistryEntry[] {
  return previous.filter((e) => (e.kind === 'gpio' ? !gpioTopics.has(e.topic) : !running.has(`${e.kind}/${e.device}`)));
}

function isEntry(v: unknown): v is RegistryEntry {
  const e = v as RegistryEntry | null;
  return typeof e?.topic === 'string' && typeof e.kind === 'string' && typeof e.device === 'string';
}
