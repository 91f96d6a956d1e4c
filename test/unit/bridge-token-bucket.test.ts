import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError } from '../../src/errors.js';
import { TokenBucket } from '../../src/util/token-bucket.js';

function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; }, set: (ms) => { t = ms; } };
}

describe('TokenBucket', () => {
  it('starts full: a burst goes at once, then it is empty', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ ratePerSec: 100, burst: 10, now: clock.now });
    for (let i = 0; i < 10; i++) assert.equal(b.take(), true, `take ${i}`);
    assert.equal(b.take(), false);
    assert.equal(b.delayUntilAvailable(), 10);
  });

  // [rate, burst, ms to advance after draining, tokens expected]
  const refill: Array<[number, number, number, number]> = [
    [100, 10, 10, 1],
    [100, 10, 55, 5.5],
    [100, 10, 1000, 10], // capped at burst
    [2, 5, 250, 0.5],
    [0.5, 1, 1000, 0.5],
  ];
  for (const [rate, burst, ms, want] of refill) {
    it(`rate ${rate}/s burst ${burst}: ${ms} ms after draining holds ${want}`, () => {
      const clock = fakeClock();
      const b = new TokenBucket({ ratePerSec: rate, burst, now: clock.now });
      while (b.take()) { /* drain */ }
      const left = b.available();
      clock.advance(ms);
      assert.ok(Math.abs(b.available() - Math.min(burst, left + want)) < 1e-9, `${b.available()}`);
    });
  }

  // [rate, burst, n, ms expected when empty]
  const delays: Array<[number, number, number, number]> = [
    [100, 10, 1, 10],
    [100, 10, 5, 50],
    [3, 3, 1, 334], // 333.3 ms rounded up
    [0.5, 2, 1, 2000],
    [100, 10, 11, Infinity], // more than the bucket ever holds
  ];
  for (const [rate, burst, n, want] of delays) {
    it(`rate ${rate}/s burst ${burst}: ${n} token(s) after draining in ${want} ms`, () => {
      const clock = fakeClock();
      const b = new TokenBucket({ ratePerSec: rate, burst, now: clock.now });
      while (b.take()) { /* drain */ }
      const d = b.delayUntilAvailable(n);
      assert.equal(d, want);
      if (Number.isFinite(d)) {
        clock.advance(d - 1);
        assert.equal(b.take(n), false, 'one ms early is too early');
        clock.advance(1);
        assert.equal(b.take(n), true, 'waiting exactly the delay is enough');
      } else {
        assert.equal(b.take(n), false);
      }
    });
  }

  it('sustains the rate over a long run', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ ratePerSec: 100, burst: 10, now: clock.now });
    let sent = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      while (b.take()) sent++;
      clock.advance(1);
    }
    // 10 s at 100/s plus the initial burst of 10
    assert.ok(sent >= 1009 && sent <= 1010, `sent ${sent}`);
  });

  it('take(n) is all-or-nothing', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 5, now: clock.now });
    assert.equal(b.take(3), true);
    assert.equal(b.take(3), false);
    assert.equal(b.available(), 2);
  });

  it('a clock going backwards adds nothing and removes nothing', () => {
    const clock = fakeClock(5000);
    const b = new TokenBucket({ ratePerSec: 10, burst: 5, now: clock.now });
    while (b.take()) { /* drain */ }
    clock.set(1000);
    assert.equal(b.available(), 0);
    clock.set(5100); // only the time past the latest reading counts
    assert.ok(Math.abs(b.available() - 1) < 1e-9);
  });

  it('burst defaults to the rate rounded up', () => {
    assert.equal(new TokenBucket({ ratePerSec: 2.5, now: () => 0 }).burst, 3);
  });

  const bad: Array<[number, number | undefined]> = [[0, 1], [-5, 1], [Number.NaN, 1], [Infinity, 1], [10, 0.5], [10, Number.NaN]];
  for (const [ratePerSec, burst] of bad) {
    it(`rejects rate=${ratePerSec} burst=${burst}`, () => {
      assert.throws(() => new TokenBucket({ ratePerSec, ...(burst !== undefined ? { burst } : {}) }), BridgeError);
    });
  }
});
