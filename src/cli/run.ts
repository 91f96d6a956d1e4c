/**
 * `midge [-c CONFIG] [-p PORT] [-v]`: load the configuration, start the
 * gateway, log where it listens, and stop it cleanly on SIGTERM/SIGINT.
 * A second signal exits at once. Crashes are logged as fatal and exit 1 so
 * that systemd/procd restart us.
 */
import type { Logger } from 'pino';
import { applyOverrides, defaultConfig } from '../config/load.js';
import { formatWarning, loadAnyConfig } from '../config/mosquitto/load.js';
import type { ConfigWarning } from '../config/mosquitto/load.js';
import type { MidgeConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { startGateway } from '../gateway.js';
import type { Gateway } from '../gateway.js';
import { createLogger } from '../log.js';
import { VERSION } from '../version.js';
import type { Output } from './check-config.js';

export interface RunOptions {
  configPath: string | undefined;
  /** Read `configPath` as a mosquitto.conf whatever its name (`--mosquitto-conf`). */
  configFormat?: 'mosquitto';
  port: number | undefined;
  verbose: boolean;
}

/**
 * Resolves with an exit status when the gateway could not start (config
 * errors: 1). Once running, the process ends through `process.exit()` from
 * the signal or crash handlers.
 */
export async function runGateway(opts: RunOptions, io: Output): Promise<number | undefined> {
  let config: MidgeConfig;
  let warnings: ConfigWarning[] = [];
  try {
    let base = defaultConfig();
    if (opts.configPath !== undefined) ({ config: base, warnings } = loadAnyConfig(opts.configPath, opts.configFormat));
    config = applyOverrides(base, { port: opts.port, verbose: opts.verbose });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`midge: ${err.message}\n`);
    return 1;
  }

  const logger = createLogger(config.log);
  installCrashHandlers(logger);
  for (const w of warnings) logger.warn({ file: w.file, line: w.line, option: w.option }, `config: ${formatWarning(w)}`);

  let gateway: Gateway | undefined;
  let stopping = false;
  const stop = async (): Promise<never> => {
    try {
      await gateway?.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.fatal({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`received ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    // While starting, `stop` runs once start settles (below).
    if (gateway) void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP (like mosquitto): re-read password and ACL files and TLS certificates; a broken file keeps the old one
  process.on('SIGHUP', () => {
    if (!gateway || stopping) return void logger.info('received SIGHUP while starting or stopping: ignored');
    logger.info('received SIGHUP, reloading');
    void gateway.reload().then(() => logger.info('reload done'));
  });

  logger.info(
    { version: VERSION, config: opts.configPath ?? '(built-in default)' },
    `midge ${VERSION} starting`,
  );
  try {
    gateway = await startGateway(config, logger);
  } catch (err) {
    logStartFailure(logger, err);
    process.exit(1);
  }
  if (stopping) void stop();
  return undefined;
}

function installCrashHandlers(logger: Logger): void {
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception, exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection, exiting');
    process.exit(1);
  });
}

/** Operational failures (address in use, permission denied, store errors) get one line; bugs get the stack. */
function logStartFailure(logger: Logger, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string') {
    logger.fatal({ code }, `cannot start: ${err.message}`);
  } else {
    logger.fatal({ err }, 'cannot start');
  }
}
