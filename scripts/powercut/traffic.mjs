// MQTT traffic for the power-cut test, from the host through the forwarded port (MQTT.js).
// Topics: pc/q (QoS 1 and QoS 2 messages for the offline persistent subscriber), pc/r (retained).
import mqtt from 'mqtt';

export const TOPIC = 'pc/q';
export const RETAINED = 'pc/r';
const SUBSCRIBER = 'powercut-subscriber';
const WINDOW = 16; // unacknowledged messages per publisher

/**
 * Connects; resolves with the client on CONNACK, rejects after `timeoutMs` or on close. `onMessage`
 * is attached before connecting: a session's queued messages can arrive in the CONNACK's TCP segment,
 * before an awaiting caller could add a listener.
 */
export function connect(port, opts = {}, timeoutMs = 5000, onMessage = undefined) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: timeoutMs, ...opts });
    if (onMessage) c.on('message', onMessage);
    const fail = (err) => {
      clearTimeout(timer);
      c.end(true);
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no CONNACK from 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    const onClose = () => fail(new Error(`connection to 127.0.0.1:${port} closed before CONNACK`));
    c.on('error', () => undefined);
    c.once('close', onClose);
    c.once('connect', (connack) => {
      clearTimeout(timer);
      c.sessionPresent = connack.sessionPresent;
      c.off('close', onClose);
      resolve(c);
    });
  });
}

export const end = (c) => new Promise((resolve) => c.end(false, {}, () => resolve()));

/** Polls until the broker answers a CONNECT (qemu accepts TCP before the guest listens). */
export async function waitForBroker(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await end(await connect(port, { clientId: 'powercut-probe' }, 2000));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`broker not answering: ${err.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const subscriberOpts = { clientId: SUBSCRIBER, clean: false, properties: { sessionExpiryInterval: 0xffffffff } };

const subscribe = (c) =>
  new Promise((resolve, reject) =>
    c.subscribe(TOPIC, { qos: 2 }, (err, granted) => (err || granted[0].qos !== 2 ? reject(err ?? new Error('QoS 2 not granted')) : resolve())),
  );

/** Creates the persistent session with its QoS 2 subscription, then leaves it offline. */
export async function subscribeOnce(port) {
  const c = await connect(port, subscriberOpts);
  await subscribe(c);
  await end(c);
}

/**
 * Brings the persistent subscriber online and takes what the broker queued for it. A marker published
 * after it connected ends the queue; it then waits until nothing more arrives for `quietMs`.
 * Returns the payloads received (markers excluded) in arrival order, and whether the broker still had
 * the session (if not, the session and its subscription are made again for the next cycles).
 */
export async function drain(port, marker, { quietMs = 1000, timeoutMs = 60_000 } = {}) {
  const got = [];
  let sawMarker = false;
  let last = Date.now();
  const c = await connect(port, subscriberOpts, 5000, (_topic, payload) => {
    last = Date.now();
    const text = payload.toString();
    if (text === marker) sawMarker = true;
    else got.push(text);
  });
  const sessionLost = !c.sessionPresent;
  if (sessionLost) await subscribe(c);
  const pub = await connect(port, { clientId: 'powercut-marker' });
  await new Promise((resolve, reject) => pub.publish(TOPIC, marker, { qos: 2 }, (err) => (err ? reject(err) : resolve())));
  await end(pub);
  const deadline = Date.now() + timeoutMs;
  while (!(sawMarker && Date.now() - last >= quietMs)) {
    if (Date.now() > deadline) throw new Error(`drain: ${sawMarker ? 'messages kept coming' : 'marker not received'} after ${timeoutMs} ms (${got.length} received)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await end(c);
  return { got, sessionLost };
}

/** The retained value of RETAINED, or undefined if the broker holds none (after `waitMs`). */
export async function readRetained(port, waitMs = 3000) {
  const c = await connect(port, { clientId: 'powercut-retained-reader' });
  const value = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    c.on('message', (_topic, payload, packet) => {
      if (!packet.retain) return;
      clearTimeout(timer);
      resolve(payload.toString());
    });
    c.subscribe(RETAINED, { qos: 1 });
  });
  await end(c);
  return value;
}

/**
 * Publishes `q<qos>:<tag>:<n>` for n = 0, 1, ... to TOPIC with WINDOW in flight until stop().
 * `acked` holds every payload whose PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived.
 */
export class Publisher {
  acked = [];
  sent = 0;
  inflight = 0;
  stopped = false;

  constructor(client, qos, tag) {
    this.c = client;
    this.qos = qos;
    this.tag = tag;
    client.on('close', () => (this.stopped = true));
  }

  start() {
    while (!this.stopped && this.inflight < WINDOW) {
      const payload = `q${this.qos}:${this.tag}:${this.sent++}`;
      this.inflight++;
      this.c.publish(TOPIC, payload, { qos: this.qos }, (err) => {
        this.inflight--;
        if (!err) this.acked.push(payload);
        if (!err) this.start();
      });
    }
  }

  stop() {
    this.stopped = true;
  }
}

/** Publishes `value` retained at QoS 1; resolves true once the PUBACK came, false if the connection went first. */
export function publishRetained(client, value) {
  return new Promise((resolve) => client.publish(RETAINED, String(value), { qos: 1, retain: true }, (err) => resolve(!err)));
}
