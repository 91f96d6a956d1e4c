#!/usr/bin/env node
/**
 * The `midge` command. Exit status: 0 ok, 1 bad configuration or runtime
 * failure, 2 bad arguments (usage on stderr).
 */
import { parseArgs, USAGE } from './cli/args.js';
import type { Output } from './cli/output.js';
import type { RunOptions } from './cli/run.js';
import { ConfigError } from './errors.js';
import { VERSION } from './version.js';

// Each command's modules are loaded when it runs: `midge passwd` need not
// load the broker.

const io: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

async function main(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    io.err(`midge: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const cmd = parsed.command;
  switch (cmd.kind) {
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(`midge ${VERSION}\n`);
      return 0;
    case 'check-config': {
      const { checkConfig } = await import('./cli/check-config.js');
      return checkConfig(cmd.configPath, io, cmd.configFormat, cmd.board);
    }
    case 'passwd': {
      const { PASSWD_USAGE, runPasswd } = await import('./cli/passwd.js');
      return helpOr(cmd.args, PASSWD_USAGE, runPasswd);
    }
    case 'queue': {
      const { QUEUE_USAGE, runQueue } = await import('./cli/queue.js');
      return helpOr(cmd.args, QUEUE_USAGE, runQueue);
    }
    case 'status': {
      const { STATUS_USAGE, runStatus } = await import('./cli/status.js');
      return helpOr(cmd.args, STATUS_USAGE, runStatus);
    }
    case 'run': {
      if (cmd.daemon) return startDaemon(argv, cmd, io);
      const { runGateway } = await import('./cli/run.js');
      return runGateway(cmd, io);
    }
  }
}

/** A subcommand's `-h`/`--help` prints its usage (exit 0); anything else runs it. */
function helpOr(args: readonly string[], usage: string, run: (args: readonly string[], out: Output) => Promise<number> | number): Promise<number> | number {
  if (args.includes('-h') || args.includes('--help')) {
    io.out(usage);
    return 0;
  }
  return run(args, io);
}

/** `-d`: check the configuration here (errors on the terminal), then run midge again in the background. */
async function startDaemon(argv: readonly string[], opts: RunOptions, out: Output): Promise<number> {
  const { loadRunConfig } = await import('./cli/run.js');
  const { daemonise } = await import('./cli/daemon.js');
  let logFile: string | undefined;
  try {
    logFile = loadRunConfig(opts).config.log.file;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.err(`midge: ${err.message}\n`);
    return 1;
  }
  return daemonise(argv, logFile, out);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a user error: one line, plus the stack when asked for.
    io.err(`midge: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env['MIDGE_DEBUG'] && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
