/**
 * `midge [-c CONFIG] [-p PORT] [-v]`: load the configuration, start the
 * gateway, log where it listens, write the pid file (if configured), and
 * stop it cleanly on SIGTERM/SIGINT. As the child of `midge -d` it also
 * reports start-up to the parent (cli/daemon.ts).
 * A second signal exits at once. Crashes are logged as fatal and exit 1 so
 * that systemd/procd restart us.
 */
import type { Logger } from 'pino';
import { applyOverrides, defaultConfig } from '../config/load.js';
import { loadBoardConfig } from '../config/board.js';
import { formatWarning, loadAnyConfig } from '../config/mosquitto/load.js';
import type { ConfigWarning } from '../config/mosquitto/load.js';
import type { MidgeConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { startGateway } from '../gateway.js';
import type { Gateway } from '../gateway.js';
import { createLogger, openLogFile } from '../log.js';
import { RecentLogs } from '../log-recent.js';
import { logProcessWarnings } from '../process-warnings.js';
import type { LogDestination } from '../log.js';
import { VERSION } from '../version.js';
import type { Output } from './output.js';
import { daemonChannel } from './daemon.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { createNotifier } from './sd-notify.js';

export interface RunOptions {
  configPath: string | undefined;
  /** Read `configPath` as a mosquitto.conf whatever its name (`--mosquitto-conf`). */
  configFormat?: 'mosquitto';
  port: number | undefined;
  verbose: boolean;
  /** `--board NAME`: board-configs/NAME.yaml with the config file merged on top. */
  board?: string;
}

/**
 * Resolves with an exit status when the gateway could not start (config
 * errors: 1). Once running, the process ends through `process.exit()` from
 * the signal or crash handlers.
 */
export async function runGateway(opts: RunOptions, io: Output): Promise<number | undefined> {
  const channel = daemonChannel();
  let config: MidgeConfig;
  let warnings: ConfigWarning[];
  let logFile: (LogDestination & { reopen(): void }) | undefined;
  const fail = async (message: string): Promise<number> => {
    io.err(`midge: ${message}\n`);
    await channel?.failed(message);
    return 1;
  };
  try {
    ({ config, warnings } = loadRunConfig(opts));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return fail(err.message);
  }
  try {
    if (config.log.file !== undefined) logFile = openLogFile(config.log.file, config.log.max_size);
  } catch (err) {
    return fail(`log.file: cannot open ${config.log.file}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const recentLogs = new RecentLogs();
  const logger = createLogger(config.log, logFile, recentLogs);
  installCrashHandlers(logger);
  logProcessWarnings(logger); // no plain-text warning lines in the JSON log
  const notifier = createNotifier(logger); // systemd Type=notify: READY, WATCHDOG, STOPPING
  for (const w of warnings) logger.warn({ file: w.file, line: w.line, option: w.option }, `config: ${formatWarning(w)}`);

  let gateway: Gateway | undefined;
  let stopping = false;
  const stop = async (): Promise<never> => {
    notifier?.stopping();
    try {
      await gateway?.stop();
      if (config.process.pid_file !== undefined) removePidFile(config.process.pid_file);
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
    logFile?.reopen(); // after logrotate moved the file
    void gateway.reload().then(() => logger.info('reload done'));
  });

  logger.info(
    { version: VERSION, config: opts.configPath ?? '(built-in default)' },
    `midge ${VERSION} starting`,
  );
  try {
    gateway = await startGateway(config, logger, undefined, { recentLogs });
  } catch (err) {
    const message = logStartFailure(logger, err);
    await channel?.failed(message);
    process.exit(1);
  }
  const pidFile = config.process.pid_file;
  if (pidFile !== undefined) {
    try {
      writePidFile(pidFile);
    } catch (err) {
      const message = `cannot write pid file ${pidFile}: ${err instanceof Error ? err.message : String(err)}`;
      logger.fatal(message);
      await channel?.failed(message);
      await gateway.stop().catch(() => undefined);
      process.exit(1);
    }
  }
  const listening = gateway.addresses().map((a) => `${a.host}:${a.port}`);
  channel?.ready(listening);
  notifier?.ready(`listening on ${listening.join(', ')}`);
  if (stopping) void stop();
  return undefined;
}

/** The configuration `midge` runs with: the file (YAML or mosquitto.conf) or the default, then `-p` / `-v`. Throws ConfigError. */
export function loadRunConfig(opts: RunOptions): { config: MidgeConfig; warnings: ConfigWarning[] } {
  let base = defaultConfig();
  let warnings: ConfigWarning[] = [];
  if (opts.board !== undefined) base = loadBoardConfig(opts.board, opts.configPath);
  else if (opts.configPath !== undefined) ({ config: base, warnings } = loadAnyConfig(opts.configPath, opts.configFormat));
  return { config: applyOverrides(base, { port: opts.port, verbose: opts.verbose }), warnings };
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

/** Operational failures (address in use, permission denied, store errors) get one line; bugs get the stack. Returns that line. */
function logStartFailure(logger: Logger, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = `cannot start: ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof Error && typeof code === 'string') {
    logger.fatal({ code }, message);
  } else {
    logger.fatal({ err }, 'cannot start');
  }
  return message;
}
