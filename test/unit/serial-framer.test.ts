/**
 * The line framer: newline framing with `\r` stripped, JSON by brace depth
 * (pretty-printed, no newline, braces inside strings), idle flush, and the
 * line length cap (dropped and counted, rest of the line discarded).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from '../../src/adapters/serial/framer.js';

function frames(chunks: Array<string | Buffer>, maxLength = 64, flush = false): { out: string[]; overlong: number; pending: number } {
  const f = new LineFramer({ maxLength });
  const out: string[] = [];
  for (const c of chunks) out.push(...f.push(typeof c === 'string' ? Buffer.from(c) : c).map((b) => b.toString()));
  if (flush) out.push(...f.flush().map((b) => b.toString()));
  return { out, overlong: f.overlong, pending: f.pending };
}

describe('LineFramer', () => {
  // [name, chunks, expected frames, expected overlong, flush at end, max length (default 64)]
  const table: Array<[string, string[], string[], number, boolean?, number?]> = [
    ['LF lines', ['a\nb\n'], ['a', 'b'], 0],
    ['CRLF: \\r stripped (Arduino println)', ['temp:21.5\r\nhum:40\r\n'], ['temp:21.5', 'hum:40'], 0],
    ['a line split across chunks', ['te', 'mp:2', '1.5\r', '\n'], ['temp:21.5'], 0],
    ['blank lines skipped', ['\r\n\n  \n', 'x\n'], ['x'], 0],
    ['partial line stays pending', ['abc'], [], 0],
    ['partial line comes out on flush', ['abc'], ['abc'], 0, true],
    ['JSON on one line', ['{"t":21.5}\n'], ['{"t":21.5}'], 0],
    ['JSON without newline (serializeJson(doc, Serial))', ['{"t":1}{"t":2}'], ['{"t":1}', '{"t":2}'], 0],
    ['pretty-printed JSON over lines', ['{\r\n  "a": {\r\n    "b": 1\r\n  }\r\n}\r\n'], ['{\r\n  "a": {\r\n    "b": 1\r\n  }\r\n}'], 0],
    ['braces and escaped quotes inside strings', ['{"s":"}{\\"}","n":{"x":1}}\n'], ['{"s":"}{\\"}","n":{"x":1}}'], 0],
    ['JSON split in the middle of a string', ['{"msg":"he', 'llo}"}'], ['{"msg":"hello}"}'], 0],
    ['text after a JSON object is the next frame', ['{"a":1} tail\n'], ['{"a":1}', 'tail'], 0],
    ['line starting with text keeps braces', ['x {a}\n'], ['x {a}'], 0],
    ['unclosed JSON comes out on flush', ['{"a":1'], ['{"a":1'], 0, true],
    ['exactly max length (8) passes, with CRLF', ['12345678\r\n'], ['12345678'], 0, false, 8],
    ['max length + 1 is dropped, next line fine', ['123456789\nok\n'], ['ok'], 1, false, 8],
    ['overlong line across chunks: rest discarded until newline', ['1234', '5678', '90ab', 'cdef\nok\n'], ['ok'], 1, false, 8],
    ['overlong JSON dropped', ['{"aaaa":"bbbbbbbb"}\nok\n'], ['ok'], 1, false, 8],
    ['two overlong lines count twice', ['123456789\n123456789\n'], [], 2, false, 8],
  ];
  for (const [name, chunks, want, overlong, flush, max] of table) {
    it(name, () => {
      const r = frames(chunks, max ?? 64, flush ?? false);
      assert.deepEqual(r.out, want);
      assert.equal(r.overlong, overlong);
    });
  }

  it('byte-at-a-time feeding gives the same frames', () => {
    const input = 'a:1\r\n{"x":\n [1,2]}\r\nlast\n';
    const f = new LineFramer({ maxLength: 64 });
    const out: string[] = [];
    for (const b of Buffer.from(input)) out.push(...f.push(Buffer.from([b])).map((x) => x.toString()));
    assert.deepEqual(out, ['a:1', '{"x":\n [1,2]}', 'last']);
  });

  it('frames are copies: reusing the input buffer does not change them', () => {
    const f = new LineFramer({ maxLength: 64 });
    const buf = Buffer.from('ab');
    f.push(buf);
    buf.fill(0x7a);
    assert.deepEqual(f.push(Buffer.from('\n')).map(String), ['ab']);
  });

  it('keeps invalid UTF-8 bytes as they are (classified later)', () => {
    const f = new LineFramer({ maxLength: 64 });
    const got = f.push(Buffer.from([0xff, 0xfe, 0x0a]));
    assert.deepEqual(got, [Buffer.from([0xff, 0xfe])]);
  });

  it('JSON framing can be turned off: a { line is a plain line', () => {
    const f = new LineFramer({ maxLength: 64, jsonFraming: false });
    assert.deepEqual(f.push(Buffer.from('{\n"a":1}\n')).map(String), ['{', '"a":1}']);
  });

  it('reset() forgets a partial frame', () => {
    const f = new LineFramer({ maxLength: 64 });
    f.push(Buffer.from('{"half'));
    assert.ok(f.pending > 0);
    f.reset();
    assert.equal(f.pending, 0);
    assert.deepEqual(f.push(Buffer.from('ok\n')).map(String), ['ok']);
  });
});
