/**
 * `midge check-config FILE`: validate without starting anything.
 */
import { ConfigError } from '../errors.js';
import { loadBoardConfig } from '../config/board.js';
import { formatWarning, loadAnyConfig } from '../config/mosquitto/load.js';
import { closedListeners, closedListenerWarning, RETAIN_SOURCE_WITHOUT_ACL, retainSourceWithoutAcl } from '../config/listener-access.js';
import { checkConfigFiles } from './check-files.js';
import { summarizeConfig } from './config-summary.js';
import type { MidgeConfig } from '../config/types.js';
import type { Output } from './output.js';

/**
 * Prints `FILE: OK`, a summary and any warnings (exit status 0) or the error
 * (exit status 1). A `.conf` file (or `format: 'mosquitto'`) is read as a mosquitto.conf.
 */
export function checkConfig(path: string, io: Output, format?: 'mosquitto', board?: string): number {
  let cfg: MidgeConfig;
  let warnings: string[] = [];
  try {
    if (board !== undefined) {
      cfg = loadBoardConfig(board, path);
    } else {
      const loaded = loadAnyConfig(path, format);
      cfg = loaded.config;
      warnings = loaded.warnings.map((w) => `warning: ${formatWarning(w)}`);
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 1;
  }
  warnings.push(...closedListeners(cfg).map((l) => `warning: ${closedListenerWarning(l)}`));
  if (retainSourceWithoutAcl(cfg)) warnings.push(`warning: ${RETAIN_SOURCE_WITHOUT_ACL}`);
  const files = checkConfigFiles(cfg);
  warnings.push(...files.warnings.map((w) => `warning: ${w}`));
  if (files.errors.length > 0) {
    io.err(files.errors.map((e) => `${path}: ${e}\n`).join(''));
    return 1;
  }
  io.out(`${path}: OK\n${[...summarizeConfig(cfg), ...warnings].map((l) => `  ${l}\n`).join('')}`);
  return 0;
}
