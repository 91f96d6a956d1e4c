/**
 * Runs the real `midge` CLI (dist/cli.js) as a child process with a
 * generated YAML config, finds the port it listens on from its log, and
 * stops it with a signal. For restart and crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from './lifecycle.js';

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;

export interface MidgeProcess {
  proc: ChildProcess;
  port: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Send a signal and wait for the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix = 'midge-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Start midge with `yaml` as its config file (written into `dir`).
 * `wrapper` runs it through a command that execs it, e.g.
 * `['prlimit', '--nofile=64:64', '--']` (the pid stays midge's).
 */
export async function startMidge(dir: string, yaml: string, timeoutMs = 10000, wrapper: string[] = []): Promise<MidgeProcess> {
  const configFile = join(dir, 'midge.yaml');
  writeFileSync(configFile, yaml);
  const argv = [...wrapper, process.execPath, CLI, '-c', configFile];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`midge did not start listening within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`midge exited with ${code} before listening:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });
  return {
    proc,
    port,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 10000) {
      proc.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`midge did not exit within ${stopTimeoutMs} ms after ${signal}:\n${out}`));
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A config with one loopback listener on an ephemeral port and SQLite under `dataDir`. */
export function persistentConfig(dataDir: string, extra = ''): string {
  return [
    'log:',
    '  level: info',
    '  format: json',
    'listeners:',
    '  - host: 127.0.0.1',
    '    port: 0',
    'persistence:',
    '  enabled: true',
    `  path: ${JSON.stringify(dataDir)}`,
    extra,
  ].join('\n');
}

/** Runs `midge ARGS` to completion (killed after `timeoutMs`), with `input` on standard input. */
export function runMidgeCli(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], options.timeoutMs ?? 15_000, options.input ?? '');
}
