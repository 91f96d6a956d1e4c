/** The commit window's policy (src/persistence/sqlite/commit-window.ts), driven by a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitWindow, PROBE_EVERY_MS, QUIET_WINDOWS } from '../../src/persistence/sqlite/commit-window.js';

/** One batch: arrivals at the given offsets from `start`, then committed. Returns its delay and when it ended. */
function batch(w: CommitWindow, start: number, offsets: number[]): { delay: number | undefined; end: number } {
  let delay: number | undefined;
  for (const [i, off] of offsets.entries()) {
    const d = w.arrival(start + off);
    if (i === 0) delay = d;
    else assert.equal(d, undefined, 'later arrivals join the open batch');
  }
  w.committed();
  return { delay, end: start + Math.max(delay ?? 0, ...offsets) };
}

/** An open-loop stream every `gap` ms for `count` writes, batches as the window says. Returns the time after. */
function stream(w: CommitWindow, from: number, gap: number, count: number): number {
  let t = from;
  let i = 0;
  while (i < count) {
    const d = w.arrival(t) ?? 0;
    const end = t + d;
    i++;
    t += gap;
    while (i < count && t < end) {
      assert.equal(w.arrival(t), undefined);
      i++;
      t += gap;
    }
    w.committed();
  }
  return t;
}

describe('CommitWindow', () => {
  it('window 0: always commits at the end of the turn, never probes', () => {
    const w = new CommitWindow(0);
    for (let i = 0; i < 20; i++) assert.equal(batch(w, i * 10_000, [0, 100]).delay, 0);
    assert.equal(w.mode, 'eager');
  });

  it('starts eager, and its first batch is a probe: an open-loop stream at 10 msg/s makes it patient at once', () => {
    const w = new CommitWindow(300);
    assert.equal(w.mode, 'eager');
    assert.equal(batch(w, 0, [0, 100, 200]).delay, 300, 'the probe waits the whole window');
    assert.equal(w.mode, 'patient');
    assert.equal(batch(w, 400, [0]).delay, 300);
  });

  it('stays patient while the second half of each window brings writes (10 and 1,000 msg/s)', () => {
    for (const gap of [100, 1]) {
      const w = new CommitWindow(300);
      stream(w, 0, gap, 3000);
      assert.equal(w.mode, 'patient', `a write every ${gap} ms`);
    }
  });

  it(`a closed-loop writer: the probe gathers nothing late, so it stays eager; probes again after ${PROBE_EVERY_MS} ms`, () => {
    const w = new CommitWindow(300);
    // the probe: a burst of writes in the first moment, then everyone waits for the acknowledgements
    assert.equal(batch(w, 0, [0, 1, 5, 20]).delay, 300);
    assert.equal(w.mode, 'eager');
    let t = 301;
    let probes = 0;
    while (t < 2 * PROBE_EVERY_MS + 400) {
      const r = batch(w, t, [0, 1, 3]); // answers to the acknowledgements just sent
      if (r.delay !== 0) probes++;
      t = r.end + 2;
    }
    assert.equal(probes, 2, 'one probe per interval');
    assert.equal(w.mode, 'eager');
  });

  it(`turns eager after ${QUIET_WINDOWS} patient windows whose second half brought nothing`, () => {
    const w = new CommitWindow(300);
    let t = stream(w, 0, 100, 30);
    assert.equal(w.mode, 'patient');
    for (let i = 0; i < QUIET_WINDOWS; i++) {
      assert.equal(w.mode, 'patient', `window ${i}`);
      t = batch(w, t, [0, 10, 140]).end + 5; // everything within the first half: closed-loop answers
    }
    assert.equal(w.mode, 'eager');
  });

  it('a late write within a quiet run resets the count', () => {
    const w = new CommitWindow(300);
    let t = stream(w, 0, 100, 30);
    for (let i = 0; i < QUIET_WINDOWS - 1; i++) t = batch(w, t, [0]).end + 5;
    t = batch(w, t, [0, 200]).end + 5;
    for (let i = 0; i < QUIET_WINDOWS - 1; i++) t = batch(w, t, [0]).end + 5;
    assert.equal(w.mode, 'patient');
  });

  it('at 1 msg/s nothing can be gathered: the probe finds nothing and the window stays eager', () => {
    const w = new CommitWindow(300);
    const t = stream(w, 0, 1000, 60);
    assert.equal(w.mode, 'eager');
    assert.ok(t > 0);
  });
});
