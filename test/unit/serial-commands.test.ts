/** Command payloads to port bytes: line endings, trimming, size and rate limits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandGate } from '../../src/adapters/serial/commands.js';

describe('CommandGate', () => {
  const table: Array<[string, 'lf' | 'crlf' | 'cr', string, string | undefined, string?]> = [
    ['lf appended', 'lf', 'LED ON', 'LED ON\n'],
    ['crlf appended', 'crlf', 'AT+RST', 'AT+RST\r\n'],
    ['cr appended', 'cr', 'x', 'x\r'],
    ['trailing newlines replaced by the ending', 'crlf', 'cmd\n\r\n', 'cmd\r\n'],
    ['inner newline kept (two lines)', 'lf', 'a\nb', 'a\nb\n'],
    ['empty payload refused', 'lf', '', undefined, 'empty'],
    ['only a newline refused', 'lf', '\r\n', undefined, 'empty'],
    ['longer than max refused', 'lf', 'x'.repeat(17), undefined, 'too_long'],
  ];
  for (const [name, ending, payload, want, reason] of table) {
    it(name, () => {
      const v = new CommandGate({ lineEnding: ending, maxLength: 16, ratePerSec: 0 }).check(Buffer.from(payload));
      if (want === undefined) assert.deepEqual(v, { ok: false, reason });
      else {
        assert.equal(v.ok, true);
        assert.equal(v.ok && v.bytes.toString(), want);
      }
    });
  }

  it('rate limit: a burst of one second, then one per 1/rate seconds', () => {
    let t = 0;
    const g = new CommandGate({ lineEnding: 'lf', maxLength: 16, ratePerSec: 2, now: () => t });
    const ok = (): boolean => g.check(Buffer.from('x')).ok;
    assert.deepEqual([ok(), ok(), ok()], [true, true, false]);
    t = 499;
    assert.equal(ok(), false);
    t = 500;
    assert.equal(ok(), true);
    assert.deepEqual(g.check(Buffer.from('x')), { ok: false, reason: 'rate_limited' });
  });
});
