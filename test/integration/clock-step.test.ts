/**
 * A step of the system clock (NTP on a board without RTC, `date -s`) while
 * the broker runs: offline sessions, queued messages with an expiry and
 * retained messages with an expiry must neither all expire at once (step
 * forward) nor live on (step back); stored timestamps move with the step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerClock } from '../../src/broker/clock.js';
import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import { startBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const YEAR = 365 * 86400_000;

function steppableClock() {
  const t = { wallOffset: 0, monoOffset: 0 };
  const clock = new BrokerClock({ wall: () => Date.now() + t.wallOffset, monotonic: () => performance.now() + t.monoOffset });
  return { t, clock };
}

for (const [name, step] of [['forward by a year', YEAR], ['back by a year', -YEAR]] as const) {
  test(`clock step ${name}: sessions and messages keep their real remaining lifetime`, async (t) => {
    const { t: time, clock } = steppableClock();
    const store = new MemoryStore();
    const tb = await startBroker({ clock, store });
    t.after(() => tb.stop());
    const sub = await connect(tb.port, { clientId: 'step-sub', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    await sub.client.subscribeAsync('step/#', { qos: 1 });
    await sub.end();
    await waitFor(() => tb.broker.sessions.get('step-sub')?.connection === null, 5000, 'subscriber offline');
    const pub = await connect(tb.port, { clientId: 'step-pub', protocolVersion: 5 });
    t.after(() => pub.end(true));
    await pub.client.publishAsync('step/q', 'queued', { qos: 1, properties: { messageExpiryInterval: 30 } });
    await pub.client.publishAsync('step/r', 'retained', { qos: 0, retain: true, properties: { messageExpiryInterval: 30 } });
    const disconnectedAt = tb.broker.sessions.get('step-sub')!.disconnectedAt!;

    time.wallOffset = step;
    await waitFor(() => Math.abs(clock.now() - Date.now() - step) < 100, 3000, 'the sweep to notice the step');
    const session = tb.broker.sessions.get('step-sub');
    assert.ok(session, 'the offline session survived the step');
    assert.ok(Math.abs(session.disconnectedAt! - (disconnectedAt + step)) < 1, 'disconnect time shifted with the step');
    const stored = store.loadSessions().find((s) => s.clientId === 'step-sub');
    assert.ok(stored && Math.abs(stored.disconnectedAt! - (disconnectedAt + step)) < 1, 'stored disconnect time shifted too');

    const back = await connect(tb.port, { clientId: 'step-sub', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    t.after(() => back.end(true));
    const [queued] = await back.waitMessages(1);
    assert.equal(queued!.payload.toString(), 'queued');
    const left = queued!.packet.properties?.messageExpiryInterval ?? 0;
    assert.ok(left >= 25 && left <= 30, `queued message keeps its remaining expiry, got ${left} s`);
    await back.client.subscribeAsync('step/r', { qos: 0 });
    await back.waitMessages(2);
    assert.equal(back.messages[1]!.payload.toString(), 'retained', 'retained message not expired by the step');
    await back.end();

    // real time still counts: 61 s later (monotonic) the offline session expires
    await waitFor(() => tb.broker.sessions.get('step-sub')?.connection === null, 5000, 'subscriber offline again');
    time.monoOffset += 61_000;
    await waitFor(() => !tb.broker.sessions.has('step-sub'), 3000, 'session expiry after 61 s of monotonic time');
  });
}
