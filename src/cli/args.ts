/**
 * Command-line parsing, pure: argv in, a command (or a usage error) out.
 * Options follow mosquitto where they overlap (`-c`, `-p`, `-v`, `-d`).
 */

export type CliCommand =
  | {
      kind: 'run';
      configPath: string | undefined;
      /** `--mosquitto-conf FILE`; otherwise the format follows the file name (`.conf` = mosquitto). */
      configFormat?: 'mosquitto';
      port: number | undefined;
      verbose: boolean;
      daemon: boolean;
      /** `--board NAME`: board-configs/NAME.yaml under the config file. */
      board?: string;
    }
  | { kind: 'check-config'; configPath: string; configFormat?: 'mosquitto'; board?: string }
  | { kind: 'passwd'; args: readonly string[] }
  | { kind: 'queue'; args: readonly string[] }
  | { kind: 'status'; args: readonly string[] }
  | { kind: 'help' }
  | { kind: 'version' };

export type ParseResult = { ok: true; command: CliCommand } | { ok: false; error: string };

export const USAGE = `Usage: midge [-c CONFIG] [-p PORT] [-v] [-d]
       midge check-config CONFIG
       midge passwd [-c | -D] [-b] FILE USER [PASSWORD]
       midge queue [purge --bridge NAME] [-c CONFIG]
       midge status [-c CONFIG | --url URL] [-u USER] [--json]
       midge --help | --version

Midge: an MQTT 3.1.1/5.0 broker and edge IoT gateway.

Options:
  -c, --config FILE   read configuration from FILE: YAML, or a mosquitto.conf
                      when FILE ends in .conf; without it the
                      built-in default is used: a broker on 127.0.0.1:1883
      --mosquitto-conf FILE
                      read FILE as a mosquitto.conf whatever its name
                      (see docs/mosquitto-migration.md)
  -p, --port PORT     listen on PORT on 127.0.0.1 only, replacing the
                      listeners of the configuration (like mosquitto -p)
      --board NAME    start from board-configs/NAME.yaml (raspberrypi4,
                      rpi5, zero2w, cm4, openwrt-arm64...); the -c file
                      is merged on top of it
  -v, --verbose       log at debug level
  -d, --daemon        run in the background once listening (for init scripts;
                      not under systemd or procd); see process.pid_file
                      and log.file
  -h, --help          show this help
      --version       show the version

Commands:
  passwd ...          manage a mosquitto-format password file, like
                      mosquitto_passwd (midge passwd --help for details)
  queue [-c CONFIG]   bridge queues: depth, bytes, oldest message, dead
                      letters, last state; "queue purge --bridge NAME"
                      deletes one bridge's queue (midge queue --help)
  check-config FILE   validate FILE, print "FILE: OK" and a summary, or the
                      first error (exit status 1)
  status ...          summary of a running midge from its status API
                      (metrics.listen; midge status --help for details)

See midge.example.yaml for every configuration option.
`;

/** Parses `process.argv.slice(2)`. `--help` anywhere wins over everything else. */
export function parseArgs(argv: readonly string[]): ParseResult {
  // `passwd` has mosquitto_passwd's own options (its -c is not --config): parsed by cli/passwd.ts
  if (argv[0] === 'passwd') return { ok: true, command: { kind: 'passwd', args: argv.slice(1) } };
  if (argv[0] === 'queue') return { ok: true, command: { kind: 'queue', args: argv.slice(1) } };
  // `status` has its own options (--url, -u, --json): parsed by cli/status.ts
  if (argv[0] === 'status') return { ok: true, command: { kind: 'status', args: argv.slice(1) } };
  if (argv.includes('-h') || argv.includes('--help')) return { ok: true, command: { kind: 'help' } };
  if (argv.includes('--version')) {
    return argv.length === 1 ? { ok: true, command: { kind: 'version' } } : err('--version takes no other arguments');
  }

  let configPath: string | undefined;
  let configFormat: 'mosquitto' | undefined;
  let port: number | undefined;
  let verbose = false;
  let daemon = false;
  let board: string | undefined;
  const positional: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = splitLong(arg);
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) return undefined;
      i++;
      return next;
    };
    if (inline !== undefined && !['--config', '--port', '--mosquitto-conf', '--board'].includes(flag)) return err(`option ${flag} takes no value`);
    switch (flag) {
      case '-c':
      case '--config':
      case '--mosquitto-conf': {
        const v = value();
        if (v === undefined || v === '') return err(`option ${flag} needs a file name`);
        if (configPath !== undefined) return err(configFormat || flag === '--mosquitto-conf' ? 'give one of -c and --mosquitto-conf, once' : `option ${flag} given twice`);
        configPath = v;
        if (flag === '--mosquitto-conf') configFormat = 'mosquitto';
        break;
      }
      case '-p':
      case '--port': {
        const v = value();
        if (v === undefined) return err(`option ${flag} needs a port number`);
        const n = parsePort(v);
        if (n === undefined) return err(`option ${flag}: expected a port 0..65535, got '${v}'`);
        if (port !== undefined) return err(`option ${flag} given twice`);
        port = n;
        break;
      }
      case '--board': {
        const v = value();
        if (v === undefined || v === '') return err('option --board needs a board name (see board-configs/)');
        if (board !== undefined) return err('option --board given twice');
        board = v;
        break;
      }
      case '-v':
      case '--verbose':
        verbose = true;
        break;
      case '-d':
      case '--daemon':
        daemon = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') return err(`unknown option ${arg}`);
        positional.push(arg);
    }
  }

  if ((board !== undefined && configFormat) || (board !== undefined && configPath?.endsWith('.conf'))) return err('--board goes with a YAML config, not a mosquitto.conf');
  const withBoard = board !== undefined ? { board } : {};
  if (positional[0] === 'check-config') {
    const rest = positional.slice(1);
    if (port !== undefined || verbose || daemon) return err('check-config takes only a config file');
    if (configPath !== undefined && rest.length === 0) return { ok: true, command: { kind: 'check-config', configPath, ...(configFormat ? { configFormat } : {}), ...withBoard } };
    if (configPath !== undefined || rest.length !== 1) return err('check-config needs exactly one config file');
    if (board !== undefined && rest[0]!.endsWith('.conf')) return err('--board goes with a YAML config, not a mosquitto.conf');
    return { ok: true, command: { kind: 'check-config', configPath: rest[0]!, ...withBoard } };
  }
  if (positional.length > 0) return err(`unexpected argument '${positional[0]}'`);
  return { ok: true, command: { kind: 'run', configPath, ...(configFormat ? { configFormat } : {}), port, verbose, daemon, ...withBoard } };
}

function err(error: string): ParseResult {
  return { ok: false, error };
}

/** `--port=1883` → `['--port', '1883']`; anything else → `[arg, undefined]`. */
function splitLong(arg: string): [string, string | undefined] {
  if (!arg.startsWith('--')) return [arg, undefined];
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}
