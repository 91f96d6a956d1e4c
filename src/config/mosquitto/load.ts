/**
 * `midge -c mosquitto.conf`: read a mosquitto 2.0 configuration (with its
 * include_dir files) into a validated `MidgeConfig`, plus warnings for the
 * options that were accepted but do not (fully) take effect. Options that
 * would change who may connect or what they may do, and that Midge cannot
 * honour, are `ConfigError`s: refusing to start is safer than running open.
 */
import { loadConfigFile } from '../load.js';
import type { MidgeConfig } from '../types.js';
import { mapDirectives } from './map.js';
import type { MapOptions } from './map.js';
import { readMosquittoFiles, tokenize } from './parse.js';
import type { ConfigWarning } from './parse.js';

export type { ConfigWarning } from './parse.js';
export { formatWarning } from './parse.js';

export interface MosquittoLoadOptions extends MapOptions {
  /** Read absolute `include_dir` directories below this root (tests; a config copied off a device). */
  includeRoot?: string;
}

export interface LoadedConfig {
  config: MidgeConfig;
  /** Options accepted but not (fully) honoured, each with file and line. Empty for YAML files. */
  warnings: ConfigWarning[];
  format: ConfigFormat;
}

export type ConfigFormat = 'yaml' | 'mosquitto';

/** Reads a mosquitto.conf; every problem is a `ConfigError` naming file, line and option. */
export function loadMosquittoConfig(path: string, opts: MosquittoLoadOptions = {}): LoadedConfig {
  const warnings: ConfigWarning[] = [];
  const directives = readMosquittoFiles(path, warnings, opts.includeRoot);
  const { config } = mapDirectives(directives, opts, warnings);
  return { config, warnings, format: 'mosquitto' };
}

/** Maps mosquitto.conf text (include_dir is not followed); `file` names it in messages. */
export function parseMosquittoText(text: string, file = 'mosquitto.conf', opts: MapOptions = {}): LoadedConfig {
  const warnings: ConfigWarning[] = [];
  const { config } = mapDirectives(tokenize(text, file), opts, warnings);
  return { config, warnings, format: 'mosquitto' };
}

/** `-c FILE`: a `.conf` file is a mosquitto configuration, anything else YAML. */
export function detectConfigFormat(path: string): ConfigFormat {
  return path.toLowerCase().endsWith('.conf') ? 'mosquitto' : 'yaml';
}

/** Loads a YAML or mosquitto configuration, by `format` or by the file name. */
export function loadAnyConfig(path: string, format: ConfigFormat = detectConfigFormat(path)): LoadedConfig {
  if (format === 'mosquitto') return loadMosquittoConfig(path);
  return { config: loadConfigFile(path), warnings: [], format: 'yaml' };
}
