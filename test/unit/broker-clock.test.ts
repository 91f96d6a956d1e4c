import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerClock, STEP_THRESHOLD_MS } from '../../src/broker/clock.js';

/** A clock whose wall and monotonic sources the test moves by hand. */
function fake(wall = 1_700_000_000_000, mono = 5_000) {
  const t = { wall, mono };
  const clock = new BrokerClock({ wall: () => t.wall, monotonic: () => t.mono });
  return { t, clock };
}

test('BrokerClock: starts at the wall time and advances with the monotonic clock only', () => {
  const { t, clock } = fake();
  assert.equal(clock.now(), 1_700_000_000_000);
  t.mono += 1500;
  t.wall += 1500;
  assert.equal(clock.now(), 1_700_000_001_500);
  t.wall += 365 * 86400_000; // NTP steps the wall clock a year forward
  assert.equal(clock.now(), 1_700_000_001_500, 'a wall step does not move broker time by itself');
});

test('BrokerClock.checkStep: reports a step forward or back once and re-anchors to the new wall time', () => {
  const { t, clock } = fake();
  const year = 365 * 86400_000;
  t.wall += year;
  assert.equal(clock.checkStep(), year);
  assert.equal(clock.now(), t.wall, 're-anchored');
  assert.equal(clock.checkStep(), 0, 'reported once');
  t.wall -= 3600_000;
  t.mono += 10;
  t.wall += 10;
  assert.equal(clock.checkStep(), -3600_000);
  assert.equal(clock.now(), t.wall);
});

test('BrokerClock.checkStep: jitter below the threshold is not a step', () => {
  const { t, clock } = fake();
  t.wall += STEP_THRESHOLD_MS - 1;
  assert.equal(clock.checkStep(), 0);
  assert.equal(clock.now(), 1_700_000_000_000);
});
