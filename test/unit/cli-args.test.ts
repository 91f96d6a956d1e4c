import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, USAGE } from '../../src/cli/args.js';
import type { CliCommand } from '../../src/cli/args.js';

const run = (over: Partial<Extract<CliCommand, { kind: 'run' }>> = {}): CliCommand => ({
  kind: 'run', configPath: undefined, port: undefined, verbose: false, daemon: false, ...over,
});

describe('parseArgs: accepted', () => {
  const rows: Array<[string[], CliCommand]> = [
    [[], run()],
    [['-c', 'midge.yaml'], run({ configPath: 'midge.yaml' })],
    [['--config', '/etc/midge.yaml'], run({ configPath: '/etc/midge.yaml' })],
    [['--config=/etc/midge.yaml'], run({ configPath: '/etc/midge.yaml' })],
    [['-p', '1884'], run({ port: 1884 })],
    [['--port=0'], run({ port: 0 })],
    [['--port', '65535'], run({ port: 65535 })],
    [['-v'], run({ verbose: true })],
    [['-c', 'a.yaml', '-p', '1999', '-v'], run({ configPath: 'a.yaml', port: 1999, verbose: true })],
    [['-v', '--verbose'], run({ verbose: true })],
    [['-d'], run({ daemon: true })],
    [['-c', '-'], run({ configPath: '-' })],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['-c', 'x', '--bogus', '-h'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['check-config', 'midge.yaml'], { kind: 'check-config', configPath: 'midge.yaml' }],
    [['check-config', '-c', 'midge.yaml'], { kind: 'check-config', configPath: 'midge.yaml' }],
  ];
  for (const [argv, command] of rows) {
    it(`midge ${argv.join(' ')}`, () => assert.deepEqual(parseArgs(argv), { ok: true, command }));
  }
});

describe('parseArgs: rejected with a reason', () => {
  const rows: Array<[string[], RegExp]> = [
    [['-x'], /^unknown option -x$/],
    [['--conf', 'a'], /^unknown option --conf$/],
    [['-c'], /^option -c needs a file name$/],
    [['-c', '-v'], /^option -c needs a file name$/],
    [['--config='], /^option --config needs a file name$/],
    [['-c', 'a', '-c', 'b'], /given twice/],
    [['-p'], /^option -p needs a port number$/],
    [['-p', 'abc'], /^option -p: expected a port 0\.\.65535, got 'abc'$/],
    [['-p', '65536'], /got '65536'/],
    [['-p', '-1'], /needs a port number/],
    [['-p', '1e3'], /got '1e3'/],
    [['-p', '1', '-p', '2'], /given twice/],
    [['--verbose=yes'], /^option --verbose takes no value$/],
    [['serve'], /^unexpected argument 'serve'$/],
    [['--version', '-v'], /--version takes no other arguments/],
    [['check-config'], /check-config needs exactly one config file/],
    [['check-config', 'a', 'b'], /check-config needs exactly one config file/],
    [['check-config', 'a', '-v'], /check-config takes only a config file/],
    [['check-config', '-c', 'a', 'b'], /check-config needs exactly one config file/],
  ];
  for (const [argv, error] of rows) {
    it(`midge ${argv.join(' ')}`, () => {
      const result = parseArgs(argv);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, error);
    });
  }
});

describe('USAGE', () => {
  it('mentions every option and command', () => {
    for (const word of ['-c, --config', '-p, --port', '-v, --verbose', '-d, --daemon', '--help', '--version', 'check-config']) {
      assert.ok(USAGE.includes(word), word);
    }
  });
});
