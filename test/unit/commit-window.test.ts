/** The commit window's policy (src/persistence/sqlite/commit-window.ts), driven by a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANSWER_MS, CommitWindow, LATE_ARRIVAL_MS, MISSES, QUIET_WINDOWS } from '../../src/persistence/sqlite/commit-window.js';

/** One batch: arrivals at the given offsets from `start`, committed, acknowledged `ackAfter` ms after the commit. */
function batch(w: CommitWindow, start: number, offsets: number[], ackAfter = 1): { delay: number | undefined; end: number } {
  let delay: number | undefined;
  for (const [i, off] of offsets.entries()) {
    const d = w.arrival(start + off);
    if (i === 0) delay = d;
    else assert.equal(d, undefined, 'later arrivals join the open batch');
  }
  const end = start + (delay ?? 0);
  w.committed();
  w.acknowledged(end + ackAfter);
  return { delay, end: end + ackAfter };
}

describe('CommitWindow', () => {
  it('window 0: always commits at the end of the turn', () => {
    const w = new CommitWindow(0);
    assert.equal(w.mode, 'eager');
    for (let i = 0; i < 20; i++) assert.equal(batch(w, i * 100, [0]).delay, 0);
  });

  it(`starts eager; ${MISSES} writes of an open-loop stream make it patient`, () => {
    const w = new CommitWindow(200);
    assert.equal(w.mode, 'eager');
    assert.equal(batch(w, 0, [0]).delay, 0, 'a closed-loop publisher is served at once after a start');
    for (let i = 1; i <= MISSES; i++) assert.equal(batch(w, i * 100, [0]).delay, i < MISSES ? 0 : 200, `write ${i}`);
    assert.equal(w.mode, 'patient');
  });

  /** A window that has become patient (an open-loop stream was seen). */
  function patient(windowMs: number): { w: CommitWindow; t: number } {
    const w = new CommitWindow(windowMs);
    let t = 0;
    // an open-loop stream; the write after the switch gathers another one, so no quiet window is counted
    while (w.mode === 'eager') t = batch(w, t, [0, 50]).end + 99;
    return { w, t: t + windowMs };
  }

  it('stays patient while waiting gathers writes (an open-loop stream at 10 msg/s)', () => {
    const { w, t: t0 } = patient(200);
    for (let i = 0; i < 50; i++) {
      const t = t0 + i * 200;
      assert.equal(batch(w, t, [0, 100]).delay, 200, `batch ${i}`);
    }
    assert.equal(w.mode, 'patient');
  });

  it(`goes eager after ${QUIET_WINDOWS} windows that gathered nothing late (closed-loop writers), and stays eager for answers to its acks`, () => {
    let { w, t } = patient(200);
    for (let i = 0; i < QUIET_WINDOWS; i++) {
      assert.equal(w.mode, 'patient');
      // everything arrives within the first moment of the window
      t = batch(w, t, [0, LATE_ARRIVAL_MS / 2]).end + 1;
    }
    assert.equal(w.mode, 'eager');
    for (let i = 0; i < 20; i++) {
      const r = batch(w, t, [0]);
      assert.equal(r.delay, 0);
      t = r.end + ANSWER_MS / 2; // the next write answers the acknowledgement
    }
    assert.equal(w.mode, 'eager');
  });

  it('answers to the last acknowledgements spread over a window do not keep it patient (a saturating closed-loop fan-in)', () => {
    let { w, t } = patient(300);
    for (let i = 0; i < QUIET_WINDOWS; i++) {
      assert.equal(w.mode, 'patient', `window ${i}`);
      // the acks of the last batch went out at t - 1; the publishers answer over 20 ms
      w.acknowledged(t - 1);
      t = batch(w, t, [0, 5, 10, 20]).end + 1;
    }
    assert.equal(w.mode, 'eager');
  });

  it('a late write within a quiet run resets the count', () => {
    let { w, t } = patient(200);
    for (let i = 0; i < QUIET_WINDOWS - 1; i++) t = batch(w, t, [0]).end + 1;
    t = batch(w, t, [0, 50]).end + 1;
    for (let i = 0; i < QUIET_WINDOWS - 1; i++) t = batch(w, t, [0]).end + 1;
    assert.equal(w.mode, 'patient');
  });

  it(`leaves eager after ${MISSES} writes in a row that a window would have caught and that do not answer an acknowledgement`, () => {
    const w = new CommitWindow(200);
    let t = 0;
    for (let i = 0; i < QUIET_WINDOWS; i++) t = batch(w, t, [0]).end + 1;
    assert.equal(w.mode, 'eager');
    // an open-loop stream every 100 ms: within the window of the last batch, long after its acknowledgement
    for (let i = 0; i < MISSES; i++) {
      assert.equal(w.mode, 'eager');
      assert.equal(batch(w, t, [0]).delay, 0);
      t += 100;
    }
    assert.equal(batch(w, t, [0]).delay, 200);
    assert.equal(w.mode, 'patient');
  });

  it('a single slow answer does not leave eager', () => {
    const w = new CommitWindow(200);
    let t = 0;
    for (let i = 0; i < QUIET_WINDOWS; i++) t = batch(w, t, [0]).end + 1;
    for (let i = 0; i < 30; i++) {
      const r = batch(w, t, [0]);
      assert.equal(r.delay, 0, `batch ${i}`);
      t = r.end + (i % 5 === 0 ? ANSWER_MS + 20 : 2); // every fifth answer comes late (a loaded machine)
    }
    assert.equal(w.mode, 'eager');
  });

  it('stays eager for writes that come later than a window', () => {
    const w = new CommitWindow(100);
    let t = 0;
    for (let i = 0; i < QUIET_WINDOWS; i++) t = batch(w, t, [0]).end + 1;
    for (let i = 0; i < 10; i++) {
      assert.equal(batch(w, t, [0]).delay, 0);
      t += 150;
    }
    assert.equal(w.mode, 'eager');
  });
});
