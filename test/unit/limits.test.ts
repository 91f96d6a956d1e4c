import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageBytes, storedSize } from '../../src/limits.js';

describe('message size', () => {
  it('counts the topic in UTF-8 bytes plus the payload, the same for the store quota and the bridge queue', () => {
    const message = { topic: 'température/é', payload: Buffer.from('21.5') };
    assert.equal(messageBytes(message), Buffer.byteLength('température/é') + 4);
    assert.equal(messageBytes(message), 15 + 4);
    assert.equal(storedSize({ message }), messageBytes(message));
  });
});
