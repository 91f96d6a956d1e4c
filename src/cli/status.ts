/**
 * `midge status [-c CONFIG | --url URL] [-u USER] [--json]`: reads
 * GET /api/status of a running midge (the metrics.listen HTTP listener)
 * and prints a summary, or the raw JSON. Exit status: 0 when the gateway
 * answered, 1 when it could not be reached or refused us, 2 for bad
 * arguments.
 */
import { loadAnyConfig } from '../config/mosquitto/load.js';
import { parseHostPort } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { GatewayStatus } from '../status/status-json.js';
import type { Output } from './output.js';
import { defaultConfigPath } from './service-config.js';
import { formatStatus } from './status-format.js';

export const STATUS_USAGE = `Usage: midge status [-c CONFIG | --url URL] [-u USER] [--json]

Show what a running midge is doing, from its status API (metrics.listen).
  -c, --config FILE  take the address from metrics.listen in FILE (default:
                     $MIDGE_CONFIG, else /etc/midge/midge.yaml when it
                     exists, as the service uses; else http://127.0.0.1:9234)
  --url URL          the address, e.g. http://127.0.0.1:9234
  -u, --user USER    user name when the page needs a password
                     (metrics.allow_anonymous false); the password is read
                     from the MIDGE_PASSWORD environment variable
  --json             print the raw JSON of /api/status
Exit status: 0 the gateway answered, 1 unreachable or refused, 2 bad arguments.
`;

export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9234';
const TIMEOUT_MS = 5000;

export interface StatusArgs {
  configPath?: string;
  url?: string;
  user?: string;
  json: boolean;
}

export function parseStatusArgs(argv: readonly string[]): { ok: true; args: StatusArgs } | { ok: false; error: string } {
  const args: StatusArgs = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => {
      const v = argv[++i];
      return v === undefined || v === '' ? undefined : v;
    };
    if (a === '--json') args.json = true;
    else if (a === '-c' || a === '--config') args.configPath = value() ?? '';
    else if (a === '--url') args.url = value() ?? '';
    else if (a === '-u' || a === '--user') args.user = value() ?? '';
    else return { ok: false, error: a.startsWith('-') ? `unknown option ${a}` : `unexpected argument '${a}'` };
    if (args.configPath === '' || args.url === '' || args.user === '') return { ok: false, error: `option ${a} needs a value` };
  }
  if (args.configPath !== undefined && args.url !== undefined) return { ok: false, error: 'give one of -c and --url' };
  return { ok: true, args };
}

/** The base URL of the status API: --url, metrics.listen of the config file, or the default. Throws ConfigError. */
export function statusUrl(args: StatusArgs): string {
  if (args.url !== undefined) return args.url.replace(/\/+$/, '');
  const file = args.configPath ?? defaultConfigPath();
  if (file === undefined) return DEFAULT_STATUS_URL;
  const { config } = loadAnyConfig(file);
  if (config.metrics.listen === undefined) {
    throw new ConfigError(`metrics.listen is not set, so this midge has no status API: set it (e.g. 127.0.0.1:9234) and restart midge`, { file });
  }
  if (!config.metrics.status_page) throw new ConfigError('metrics.status_page is false, so the status API is off', { file });
  if (parseHostPort(config.metrics.listen)!.port === 0) throw new ConfigError('metrics.listen has port 0 (a random port): give the address with --url', { file });
  return localBaseUrl(config.metrics.listen);
}

/** `http://host:port` of a `metrics.listen` address as reached from this machine (a wildcard address via loopback). */
export function localBaseUrl(listen: string): string {
  const { host, port } = parseHostPort(listen)!;
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${target.includes(':') ? `[${target}]` : target}:${port}`;
}

export async function runStatus(argv: readonly string[], io: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseStatusArgs(argv);
  if (!parsed.ok) {
    io.err(`midge status: ${parsed.error}\n\n${STATUS_USAGE}`);
    return 2;
  }
  const args = parsed.args;
  let base: string;
  let url: URL;
  try {
    base = statusUrl(args);
    url = new URL(`${base}/api/status`);
  } catch (err) {
    io.err(`midge status: ${err instanceof ConfigError ? err.message : `bad URL: ${(err as Error).message}`}\n`);
    return err instanceof ConfigError ? 1 : 2;
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  let user = args.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
  let password = args.user !== undefined ? env['MIDGE_PASSWORD'] : url.password ? decodeURIComponent(url.password) : env['MIDGE_PASSWORD'];
  url.username = url.password = ''; // fetch refuses credentials in the URL
  const shown = url.origin;
  if (user !== undefined) {
    if (password === undefined) {
      io.err('midge status: -u needs the password in the MIDGE_PASSWORD environment variable\n');
      return 2;
    }
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  user = password = undefined;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    io.err(`midge status: cannot reach midge at ${shown}: ${describeFetchError(err)}\n`);
    return 1;
  }
  if (res.status === 401) {
    io.err(`midge status: ${shown} needs a user name and password: midge status -u USER, with the password in MIDGE_PASSWORD\n`);
    return 1;
  }
  const body = await res.text().catch(() => '');
  if (!res.ok) {
    io.err(`midge status: ${shown} answered HTTP ${res.status}: ${body.trim().slice(0, 200)}\n`);
    return 1;
  }
  let status: GatewayStatus;
  try {
    status = JSON.parse(body) as GatewayStatus;
  } catch {
    io.err(`midge status: ${shown} did not answer with JSON (is it midge's metrics.listen address?)\n`);
    return 1;
  }
  io.out(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, shown));
  return 0;
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is midge running, with metrics.listen set to this address?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host name';
  return e.cause?.message ?? e.message ?? String(err);
}
