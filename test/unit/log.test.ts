import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatLogLine } from '../../src/log.js';
import { clip, LOG_FIELD_MAX, LOG_MESSAGE_MAX } from '../../src/log-clip.js';

function capture(isTTY?: boolean): { lines: string[]; write(s: string): void; isTTY?: boolean } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s), ...(isTTY === undefined ? {} : { isTTY }) };
}

describe('createLogger', () => {
  it('writes JSON lines when not on a terminal (format auto)', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'auto', file: undefined }, out).info({ clientId: 'c1' }, 'hello');
    assert.equal(out.lines.length, 1);
    const entry = JSON.parse(out.lines[0]) as Record<string, unknown>;
    assert.equal(entry['msg'], 'hello');
    assert.equal(entry['clientId'], 'c1');
    assert.equal(entry['level'], 30);
  });

  it('writes text lines on a terminal (format auto) and when asked (format text)', () => {
    for (const [format, tty] of [['auto', true], ['text', false]] as const) {
      const out = capture(tty);
      createLogger({ level: 'info', format, file: undefined }, out).warn({ port: 1883 }, 'listening on 127.0.0.1:1883 (mqtt)');
      assert.match(out.lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\x1b\[33m)?WARN (\x1b\[0m)? listening on 127\.0\.0\.1:1883 \(mqtt\) port=1883\n$/);
    }
  });

  it('clips long strings everywhere in a record (fields, nested fields, message, error), keeps redaction, child loggers too', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json', file: undefined }, out);
    const long = 'x'.repeat(70000);
    log.child({ bridge: 'b' }).info({ username: long, nested: { topic: long, list: [long] }, password: 'pw', short: 'ok', err: new Error(long) }, `refused: ${long}`);
    assert.ok(out.lines[0]!.length < 8000, `${out.lines[0]!.length} characters`);
    const entry = JSON.parse(out.lines[0]!) as Record<string, any>;
    assert.equal(entry['username'], `${'x'.repeat(LOG_FIELD_MAX)}…[${70000 - LOG_FIELD_MAX} more chars]`);
    assert.equal(entry['nested'].topic, entry['username']);
    assert.equal(entry['nested'].list[0], entry['username']);
    assert.equal(entry['msg'], clip(`refused: ${long}`, LOG_MESSAGE_MAX));
    assert.ok(entry['err'].message.length < LOG_MESSAGE_MAX + 40);
    assert.equal(entry['password'], '[redacted]');
    assert.equal(entry['short'], 'ok');
    assert.equal(entry['bridge'], 'b');
  });

  it('format json wins over a terminal', () => {
    const out = capture(true);
    createLogger({ level: 'info', format: 'json', file: undefined }, out).info('x');
    assert.doesNotThrow(() => JSON.parse(out.lines[0]));
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', format: 'json', file: undefined }, out);
    log.info('no');
    log.debug('no');
    log.error('yes');
    assert.equal(out.lines.length, 1);
    assert.equal(createLogger({ level: 'trace', format: 'json', file: undefined }, out).isLevelEnabled('trace'), true);
  });

  it('redacts secrets at the top level and nested', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'json', file: undefined }, out).info(
      { password: 'p1', user: { passwd: 'p2', token: 't' }, bridge: { tls: { private_key: 'k', secret: 's' } }, username: 'alice' },
      'login',
    );
    const line = out.lines[0];
    for (const secret of ['p1', 'p2', '"t"', '"k"', '"s"']) assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    assert.ok(line.includes('alice'));
    assert.equal((JSON.parse(line) as { password: string }).password, '[redacted]');
  });
});

describe('formatLogLine', () => {
  it('quotes values with spaces and prints the error message and stack', () => {
    const err = new Error('boom');
    const json = JSON.stringify({ level: 60, time: 0, pid: 1, hostname: 'h', msg: 'crash', where: 'a b', n: 3, err: { type: 'Error', message: err.message, stack: err.stack } });
    const text = formatLogLine(json);
    const [first, ...rest] = text.trimEnd().split('\n');
    assert.equal(first, '1970-01-01T00:00:00.000Z FATAL crash where="a b" n=3 err=boom');
    assert.ok(rest.length > 0 && rest.every((l) => l.startsWith('    at ')), text);
  });

  it('passes through lines that are not JSON', () => {
    assert.equal(formatLogLine('plain'), 'plain\n');
  });
});
