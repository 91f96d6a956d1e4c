/**
 * `midge queue`: the bridges' durable queues as the store holds them —
 * depth, bytes, oldest message, dead letters and the last known connection
 * state — and `midge queue purge --bridge NAME` (asks first unless --yes;
 * deletes in chunks with progress). Works whether midge is running or not
 * (SQLite WAL allows a second connection); on a running gateway a purge
 * is picked up by the bridge when it next reads its queue.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { loadAnyConfig } from '../config/mosquitto/load.js';
import { defaultConfigPath } from './service-config.js';
import type { MidgeConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { SqliteStore } from '../persistence/sqlite/sqlite-store.js';
import { databaseFile } from '../persistence/open-store.js';
import type { Output } from './output.js';

export const QUEUE_USAGE = `Usage: midge queue [-c CONFIG] [--json]
       midge queue purge --bridge NAME [-c CONFIG] [--yes]

Without -c: $MIDGE_CONFIG, else /etc/midge/midge.yaml when it exists (the
config the packaged service runs with), else the built-in default (./data).

Shows each bridge's durable queue: messages, bytes, age of the oldest
message, dead letters and the last known connection state. purge deletes
every queued message of one bridge (dead letters are kept); it asks for
confirmation unless --yes is given.
`;

interface QueueArgs {
  purge: boolean;
  bridge: string | undefined;
  configPath: string | undefined;
  json: boolean;
  yes: boolean;
}

function parse(args: readonly string[]): QueueArgs | string {
  const out: QueueArgs = { purge: false, bridge: undefined, configPath: undefined, json: false, yes: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'purge' && i === 0) out.purge = true;
    else if (a === '--json') out.json = true;
    else if (a === '--yes' || a === '-y') out.yes = true;
    else if (a === '-c' || a === '--config' || a === '--bridge' || a === '-b') {
      const v = args[++i];
      if (v === undefined) return `option ${a} needs a value`;
      if (a === '--bridge' || a === '-b') out.bridge = v;
      else out.configPath = v;
    } else return `unexpected argument '${a}'`;
  }
  if (out.purge && out.bridge === undefined) return 'purge needs --bridge NAME';
  return out;
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}

export async function runQueue(args: readonly string[], io: Output, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const a = parse(args);
  if (typeof a === 'string') {
    io.err(`midge queue: ${a}\n\n${QUEUE_USAGE}`);
    return 2;
  }
  let config: MidgeConfig;
  try {
    const path = a.configPath ?? defaultConfigPath();
    config = path === undefined ? (await import('../config/load.js')).defaultConfig() : loadAnyConfig(path).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 1;
  }
  if (!config.persistence.enabled) {
    io.err('midge queue: persistence is off in this configuration, so bridge queues live only in the memory of the running process\n');
    return 1;
  }
  const file = databaseFile(config.persistence);
  if (!existsSync(file)) {
    io.err(`midge queue: no database at ${file} (has midge run with this configuration, in this directory?)\n`);
    return 1;
  }
  const store = new SqliteStore({ file, synchronous: config.persistence.synchronous, logger: { info: () => {}, warn: () => {}, error: (o, m) => io.err(`${m ?? ''}\n`) } });
  try {
    return a.purge ? await purge(store, a.bridge!, a.yes, io, input) : show(store, config, a.json, io);
  } finally {
    store.close();
  }
}

function show(store: SqliteStore, config: MidgeConfig, json: boolean, io: Output): number {
  const q = store.bridgeQueue;
  const names = [...new Set([...config.bridges.map((b) => b.name!), ...q.bridges()])];
  const now = Date.now();
  const rows = names.map((name) => {
    const s = q.stats(name);
    const st = q.loadState(name);
    return {
      bridge: name,
      configured: config.bridges.some((b) => b.name === name),
      messages: s.messages,
      bytes: s.bytes,
      oldest_age_seconds: s.oldestAt === undefined ? null : Math.round((now - s.oldestAt) / 1000),
      dead_letters: q.deadLetterCount(name),
      state: st?.state ?? 'unknown',
      state_since: st ? new Date(st.since).toISOString() : null,
    };
  });
  if (json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.out('no bridges configured and nothing queued\n');
    return 0;
  }
  const table = [['BRIDGE', 'STATE', 'MESSAGES', 'BYTES', 'OLDEST', 'DEAD'], ...rows.map((r) => [
    r.configured ? r.bridge : `${r.bridge} (not configured)`,
    r.state_since ? `${r.state} since ${r.state_since.slice(0, 19).replace('T', ' ')}` : r.state,
    String(r.messages), String(r.bytes), r.oldest_age_seconds === null ? '-' : formatAge(r.oldest_age_seconds * 1000), String(r.dead_letters),
  ])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) io.out(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
  io.out('(state is the last one the gateway recorded; it is not live)\n');
  return 0;
}

async function purge(store: SqliteStore, bridge: string, yes: boolean, io: Output, input: NodeJS.ReadableStream): Promise<number> {
  const q = store.bridgeQueue;
  const total = q.stats(bridge).messages;
  if (total === 0) {
    io.out(`bridge '${bridge}': nothing queued\n`);
    return 0;
  }
  if (!yes) {
    const rl = createInterface({ input, output: process.stderr, terminal: false });
    io.err(`Delete ${total} queued message(s) of bridge '${bridge}'? They will never be sent. [y/N] `);
    const answer = (await rl.question('')).trim().toLowerCase();
    rl.close();
    if (answer !== 'y' && answer !== 'yes') {
      io.out('not purged\n');
      return 1;
    }
  }
  // only what was there when the user said yes: messages queued since (a running gateway) are kept
  const last = store.maxSeq();
  let removed = 0;
  for (;;) {
    const page = q.load(bridge, 0, 10_000).filter((e) => e.seq <= last);
    if (page.length === 0) break;
    for (const e of page) q.remove(bridge, e.seq);
    store.flush();
    removed += page.length;
    io.err(`\rpurged ${removed}/${total}`);
  }
  io.err('\n');
  io.out(`bridge '${bridge}': purged ${removed} message(s)\n`);
  return 0;
}
