/**
 * Reading configuration: YAML file → validated, deep-frozen `MidgeConfig`,
 * the embedded default (no file needed) and the CLI overrides.
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isSeq, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { describeFsError } from '../fs-error.js';
import { configSchema } from './schema.js';
import { validateConfig } from './validate.js';
import type { KeyPath } from './validate.js';
import type { LogLevel, MidgeConfig } from './types.js';

export interface CliOverrides {
  /** `-p PORT`: replace all listeners with one loopback listener on PORT (like mosquitto's `-p`). */
  port?: number;
  /** `-v`: log at debug (or keep trace if already more verbose). */
  verbose?: boolean;
}

/** Reads and validates a YAML config file; every problem is a `ConfigError` naming file, line and key. */
export function loadConfigFile(path: string): MidgeConfig {
  const { data, lineOf: lines } = readConfigData(path);
  return validateConfig(data, { file: path, lineOf: lines });
}

/** Reads a YAML file into plain data plus the line lookup for error messages (no validation). */
export function readConfigData(path: string): { data: unknown; lineOf: (path: KeyPath) => number | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file: ${describeFsError(err)}`, { file: path });
  }
  return parseYamlData(text, path);
}

function parseYamlData(text: string, file: string | undefined): { data: unknown; lineOf: (path: KeyPath) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    // Errors found at end of input (unclosed quote or bracket) belong to the last line with text.
    const lastLine = text.trimEnd().split('\n').length;
    const line = Math.min(lineCounter.linePos(first.pos[0]).line, Math.max(lastLine, 1));
    throw new ConfigError(`invalid YAML: ${first.message}`, { file, line });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`, { file });
  }
  return { data, lineOf: (path) => lineOf(doc, lineCounter, path) };
}

/** Parses and validates YAML text; `file` is only used in error messages. */
export function parseConfigText(text: string, file?: string): MidgeConfig {
  const { data, lineOf: lines } = parseYamlData(text, file);
  return validateConfig(data, { file, lineOf: lines });
}

/** The built-in configuration: one anonymous-friendly listener on 127.0.0.1:1883 and every default. */
export function defaultConfig(): MidgeConfig {
  return validateConfig({});
}

/** Applies `-p` / `-v` and returns a new frozen config; `cfg` is not modified. */
export function applyOverrides(cfg: MidgeConfig, overrides: CliOverrides): MidgeConfig {
  const next = structuredClone(cfg) as { -readonly [K in keyof MidgeConfig]: MidgeConfig[K] };
  if (overrides.port !== undefined) {
    next.listeners = [{ ...configSchema.listeners.default[0], host: '127.0.0.1', port: overrides.port }];
  }
  if (overrides.verbose) {
    next.log = { ...next.log, level: moreVerbose(next.log.level, 'debug') };
  }
  try {
    return validateConfig(next);
  } catch (err) {
    if (err instanceof ConfigError && overrides.port !== undefined && err.key?.startsWith('listeners')) {
      throw new ConfigError(`-p: ${err.message.replace(/^listeners\[0\]\.port: /, '')}`);
    }
    throw err;
  }
}

const LEVEL_ORDER: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

function moreVerbose(a: LogLevel, b: LogLevel): LogLevel {
  return LEVEL_ORDER.indexOf(a) >= LEVEL_ORDER.indexOf(b) ? a : b;
}

/** Line of the key (or list item) at `path`, falling back to the nearest ancestor that exists. */
function lineOf(doc: Document, lc: LineCounter, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let line = startLine(node, lc);
  for (const seg of path) {
    if (isAlias(node)) break; // point at where the alias is used, not at the anchor
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(seg));
      if (!pair) break;
      line = startLine(pair.key, lc) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      line = startLine(item, lc) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function startLine(node: unknown, lc: LineCounter): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}
