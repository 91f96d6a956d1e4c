import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore } from '../../src/persistence/open-store.js';
import type { SqliteStoreOptions } from '../../src/persistence/sqlite/options.js';
import { SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';
import type { Store } from '../../src/persistence/types.js';
import { storeConformance } from './store-conformance.js';
import { bridgeQueueConformance } from './bridge-queue-conformance.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const logged: string[] = [];
const logger = {
  info: () => {},
  warn: (_: object, msg?: string) => void logged.push(`warn ${msg}`),
  error: (_: object, msg?: string) => void logged.push(`error ${msg}`),
};

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'midge-store-'));
  dirs.push(dir);
  return dir;
}

function variant(options: Omit<SqliteStoreOptions, 'file'>) {
  return {
    make: (): Store => new SqliteStore({ ...options, file: join(tempDir(), 'midge.db') }),
    reopen: (s: Store): Store => {
      const file = (s as SqliteStore).file;
      s.close();
      return new SqliteStore({ ...options, file });
    },
  };
}

const viaOpenStore = variant({ logger });
storeConformance(
  'SqliteStore via openStore (synchronous normal)',
  () => openStore({ enabled: true, path: join(tempDir(), 'data'), synchronous: 'normal' }, logger),
  viaOpenStore.reopen,
);

const full = variant({ logger, synchronous: 'full' });
storeConformance('SqliteStore (synchronous full)', full.make, full.reopen);

// A batch limit of 1 commits inside every write call: exercises the synchronous flush path.
const tiny = variant({ logger, maxBatchOps: 1 });
storeConformance('SqliteStore (maxBatchOps 1)', tiny.make, tiny.reopen);
bridgeQueueConformance('SqliteStore', full.make, full.reopen);
bridgeQueueConformance('SqliteStore (maxBatchOps 1)', tiny.make, tiny.reopen);

after(() => {
  if (logged.length > 0) throw new Error(`unexpected store log lines: ${logged.join(' | ')}`);
});
