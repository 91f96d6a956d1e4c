/**
 * `midge check-config FILE`: validate without starting anything.
 */
import { ConfigError } from '../errors.js';
import { loadBoardConfig } from '../config/board.js';
import { formatWarning, loadAnyConfig } from '../config/mosquitto/load.js';
import { allowsAnonymous, closedListeners, closedListenerWarning, listenerAddress } from '../config/listener-access.js';
import type { MidgeConfig } from '../config/types.js';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

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
  io.out(`${path}: OK\n${[...summarizeConfig(cfg), ...warnings].map((l) => `  ${l}\n`).join('')}`);
  return 0;
}

/** A few lines describing what the configuration will do. */
export function summarizeConfig(cfg: MidgeConfig): string[] {
  const listeners = cfg.listeners.map((l) => {
    const anonymous = allowsAnonymous(l, cfg.auth);
    return `${listenerAddress(l)} (${l.protocol}, ${anonymous ? 'anonymous allowed' : 'anonymous refused'})`;
  });
  const m = cfg.mqtt;
  const limit = (n: number, unit = ''): string => (n === 0 ? 'unlimited' : `${n}${unit}`);
  return [
    `listeners: ${listeners.join(', ')}`,
    `mqtt: max_qos ${m.max_qos}, max_packet_size ${limit(m.max_packet_size, ' bytes')}, ` +
      `max_inflight_messages ${m.max_inflight_messages}, max_queued_messages ${limit(m.max_queued_messages)}`,
    `persistence: ${cfg.persistence.enabled ? `${cfg.persistence.path} (${durability(cfg.persistence)})` : 'off (in memory)'}`,
    `log: ${cfg.log.level} (${cfg.log.format})`,
  ];
}

/** What an acknowledgement survives with these persistence settings, as the summary says it. */
function durability(p: MidgeConfig['persistence']): string {
  const survives = p.synchronous === 'full' ? 'acknowledged messages survive a power cut' : 'acknowledged messages survive a crash, NOT a power cut';
  return `synchronous ${p.synchronous}: ${survives}; commit window ${p.commit_window_ms} ms`;
}
