/** OrderedAcks: acknowledgements released out of order still go out in arrival order [MQTT-4.6.0-2]. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedAcks } from '../../src/broker/ordered-acks.js';

describe('OrderedAcks', () => {
  it('sends at once when nothing waits', () => {
    const acks = new OrderedAcks();
    const sent: number[] = [];
    acks.send(() => sent.push(1));
    assert.deepEqual(sent, [1]);
    assert.equal(acks.waiting, 0);
  });

  it('a later acknowledgement released first waits for the earlier one', () => {
    const acks = new OrderedAcks();
    const sent: number[] = [];
    const first = acks.reserve();
    const second = acks.reserve();
    acks.send(() => sent.push(3)); // may go, but two wait before it
    second(() => sent.push(2));
    assert.equal(sent.length, 0);
    first(() => sent.push(1));
    assert.deepEqual(sent, [1, 2, 3]);
    assert.equal(acks.waiting, 0);
    acks.send(() => sent.push(4));
    assert.deepEqual(sent, [1, 2, 3, 4]);
  });
});
