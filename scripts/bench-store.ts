/**
 * Store throughput: enqueue N entries (64-byte payloads) in group-commit
 * batches (one batch per event-loop turn, awaiting whenDurable), for
 * synchronous normal and full. Not a test; prints a table.
 *
 *   npx tsx scripts/bench-store.ts [--entries 200000] [--batch 1000,100] [--dir /path/on/target/disk]
 *
 * Run it with --dir on the device's real storage (SD card, eMMC, USB):
 * fsync cost, which dominates `full`, depends entirely on the medium.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../src/persistence/sqlite/sqlite-store.js';
import type { OutboundEntry } from '../src/persistence/types.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000,100' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const total = Number(values.entries);
const batches = values.batch.split(',').map(Number);
const payload = Buffer.alloc(64, 0x61);
const silent = { info() {}, warn() {}, error() {} };

function durable(store: SqliteStore): Promise<void> {
  return new Promise((resolve, reject) => store.whenDurable((err) => (err ? reject(err) : resolve())));
}

async function run(synchronous: 'normal' | 'full', batch: number): Promise<void> {
  const dir = mkdtempSync(join(values.dir, 'midge-bench-'));
  const store = new SqliteStore({ file: join(dir, 'midge.db'), synchronous, logger: silent });
  try {
    const start = process.hrtime.bigint();
    for (let seq = 1; seq <= total; ) {
      for (const end = Math.min(total, seq + batch - 1); seq <= end; seq++) {
        const entry: OutboundEntry = {
          seq,
          message: { topic: `sensors/${seq % 50}/temp`, payload, qos: 1, retain: false, receivedAt: Date.now() },
          qos: 1,
          retain: false,
          state: 'queued',
        };
        store.enqueue(`client-${seq % 10}`, entry);
      }
      await durable(store);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const st = store.stats();
    const size = statSync(join(dir, 'midge.db')).size + statSync(join(dir, 'midge.db-wal'), { throwIfNoEntry: false })!.size;
    console.log(
      `${synchronous.padEnd(6)} batch ${String(batch).padStart(5)}: ${Math.round(total / seconds).toLocaleString('en')} entries/s` +
        `  (${seconds.toFixed(2)} s, ${st.commits} commits, ${(size / 1e6).toFixed(1)} MB on disk)`,
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${total} entries of ${payload.length} bytes, dir ${values.dir}`);
for (const batch of batches) {
  for (const sync of ['normal', 'full'] as const) await run(sync, batch);
}
