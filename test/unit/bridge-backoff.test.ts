import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError } from '../../src/errors.js';
import { Backoff, decorrelatedJitter } from '../../src/util/backoff.js';
import { mulberry32 } from '../helpers/prng.js';

/** mulberry32: a small seeded PRNG giving [0, 1). */
const seeded = mulberry32;

describe('decorrelatedJitter', () => {
  // [prev, base, cap, r, expected]: base + r * (3 * prev - base), capped
  const table: Array<[number, number, number, number, number]> = [
    [5000, 5000, 30000, 0, 5000],
    [5000, 5000, 30000, 0.5, 10000],
    [5000, 5000, 30000, 0.999, 14990],
    [20000, 5000, 30000, 0.5, 30000], // 5000 + 0.5 * 55000 = 32500, capped
    [1000, 1000, 1000, 0.7, 1000],
    [100, 1000, 60000, 0.5, 1000], // prev * 3 below base: stays at base
    [5000, 5000, 30000, Number.NaN, 5000], // a broken source falls back to base
    [5000, 5000, 30000, 1, 5000],
  ];
  for (const [prev, base, cap, r, want] of table) {
    it(`prev=${prev} base=${base} cap=${cap} r=${r} -> ${want}`, () => {
      assert.equal(decorrelatedJitter(prev, base, cap, () => r), want);
    });
  }
});

describe('Backoff', () => {
  for (const seed of [1, 42, 20261101, 0xdeadbeef]) {
    it(`seed ${seed}: every delay within [base, min(cap, 3 * previous)]`, () => {
      const b = new Backoff({ baseMs: 5000, capMs: 30000, random: seeded(seed) });
      let prev = 5000;
      for (let i = 0; i < 200; i++) {
        const d = b.next();
        assert.ok(d >= 5000, `delay ${d} below base`);
        assert.ok(d <= Math.min(30000, prev * 3), `delay ${d} above min(cap, 3 * ${prev})`);
        prev = d;
      }
      assert.equal(b.attempts, 200);
    });
  }

  it('grows towards the cap: the mean of later delays exceeds the mean of the first', () => {
    const runs = 500;
    let first = 0;
    let tenth = 0;
    const random = seeded(7);
    for (let r = 0; r < runs; r++) {
      const b = new Backoff({ baseMs: 1000, capMs: 60000, random });
      first += b.next();
      for (let i = 1; i < 9; i++) b.next();
      tenth += b.next();
    }
    // first delay: uniform in [1000, 3000), mean ~2000
    assert.ok(first / runs > 1800 && first / runs < 2200, `first mean ${first / runs}`);
    assert.ok(tenth / runs > 20000, `tenth mean ${tenth / runs}`);
  });

  it('sticks at the cap with the top of the random range', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.9999 });
    const delays = Array.from({ length: 6 }, () => b.next());
    assert.deepEqual(delays.map((d) => Math.round(d)), [3000, 8000, 8000, 8000, 8000, 8000]);
  });

  it('reset() goes back to base', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.9999 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.attempts, 0);
    assert.ok(Math.abs(b.next() - 3000) < 1);
  });

  it('a stable connection resets the delay, a short one keeps backing off', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 8000, stableMs: 60000, random: () => 0.9999 });
    b.next();
    b.next(); // now at the cap
    b.connected(0);
    assert.equal(b.disconnected(5000), 8000, 'up 5 s: not stable, stays at the cap');
    b.connected(10000);
    assert.ok(Math.abs(b.disconnected(70000) - 3000) < 1, 'up 60 s: stable, back to base then one step');
    // disconnected without a recorded connection (a failed attempt) keeps growing
    assert.equal(Math.round(b.disconnected(70001)), 8000);
  });

  it('stableMs defaults to the cap', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0 });
    assert.equal(b.stableMs, 8000);
  });

  const bad: Array<[number, number]> = [[0, 10], [-1, 10], [Number.NaN, 10], [10, 5], [10, Infinity]];
  for (const [baseMs, capMs] of bad) {
    it(`rejects base=${baseMs} cap=${capMs}`, () => {
      assert.throws(() => new Backoff({ baseMs, capMs }), BridgeError);
    });
  }
});
