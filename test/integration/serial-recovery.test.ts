/**
 * The serial adapter when things are not ready, over real pseudo-terminals
 * (socat) and serialport's real bindings: a port missing at start, a port
 * another program holds locked, the boot window after open, availability
 * going offline when the device goes quiet, and the command rate limit.
 * The adapter must never throw; it reports `waiting`/`error`, logs why and
 * opens the port once it can.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { startAdapters, type RunningAdapters } from '../../src/adapters/start.js';
import { validateConfig } from '../../src/config/validate.js';
import type { AdapterStatus } from '../../src/status-types.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { tempDir } from '../helpers/midge-process.js';
import { openSimDevice, startPtyPair, type PtyPair, type SimDevice } from '../helpers/pty.js';
import { capturingLogger, topicView, type LogRecord, type TopicView } from '../helpers/serial-harness.js';
import { waitFor } from '../helpers/wait.js';

describe('serial adapter recovery and timing over real pseudo-terminals', () => {
  const dir = tempDir('midge-serial-rec-');
  let tb: TestBroker;
  let sub: TestClient;
  let view: TopicView;
  const cleanups: Array<() => Promise<void>> = [];

  interface Rig {
    running: RunningAdapters;
    logs: LogRecord[];
    status(): AdapterStatus;
  }

  /** Starts one device adapter on `path` (which may not exist yet). */
  async function startDevice(name: string, path: string, extra: Record<string, unknown> = {}): Promise<Rig> {
    const { logger, logs } = capturingLogger();
    const config = validateConfig({
      serial: [{ name, path, topic_prefix: 'gw/rec', boot_window_ms: 0, reopen_min_ms: 100, reopen_max_ms: 300, ...extra }],
    });
    const running = await startAdapters(config, tb.broker.bus, logger);
    cleanups.push(() => running.stop());
    return { running, logs, status: () => running.status()[0]! };
  }

  async function plug(name: string): Promise<{ pty: PtyPair; device: SimDevice; path: string }> {
    const path = join(dir.path, `${name}-dev`);
    const pty = await startPtyPair(path, join(dir.path, `${name}-peer`));
    const device = await openSimDevice(pty.peerPath);
    cleanups.push(async () => {
      await device.close();
      await pty.unplug();
    });
    return { pty, device, path };
  }

  before(async () => {
    tb = await startBroker();
    sub = await connect(tb.port, { clientId: 'serial-rec-watch' });
    view = topicView(sub);
    await sub.client.subscribeAsync('gw/rec/#', { qos: 1 });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await sub?.end();
    await tb?.stop();
    dir.cleanup();
  });

  it('a port missing at start: start() resolves, waiting + offline + logged; the port appears: opened', async () => {
    const path = join(dir.path, 'late-dev');
    const rig = await startDevice('late', path);
    assert.equal(rig.status().state, 'waiting');
    assert.match(rig.status().lastError ?? '', /no such device/);
    assert.equal(await view.waitPayload('gw/rec/late/availability', /./), 'offline');
    assert.ok(rig.logs.some((l) => l.level === 40 && /serial device not available: .*late-dev: no such device/.test(l.msg)));
    // retries are logged once per distinct reason, then at debug level
    await waitFor(() => rig.logs.filter((l) => /still not available/.test(l.msg)).length >= 2, 5000, 'repeated retries at debug');
    assert.equal(rig.logs.filter((l) => l.level === 40).length, 1);

    const { device } = await plug('late');
    await view.waitLast('gw/rec/late/availability', 'online', 10000);
    assert.equal(rig.status().state, 'running');
    await device.write('t:1\n');
    assert.equal(await view.waitPayload('gw/rec/late/t', /./), '1');
  });

  it('a port another program holds locked: error "port busy", retried, opened once released', async () => {
    const { path, device } = await plug('busy');
    const holder = new SerialPort({ path, baudRate: 115200, lock: true, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((err) => (err ? reject(err) : resolve())));
    const rig = await startDevice('busy', path);
    await waitFor(() => rig.status().state === 'error', 5000, 'state error');
    assert.match(rig.status().lastError ?? '', /port busy/);
    assert.ok(rig.status().counters.open_errors! >= 1);
    assert.ok(rig.logs.some((l) => l.level === 40 && /port busy/.test(l.msg)));

    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await view.waitLast('gw/rec/busy/availability', 'online', 10000);
    assert.equal(rig.status().state, 'running');
    await device.write('{"free":true}\n');
    assert.equal(await view.waitPayload('gw/rec/busy/free', /./), 'true');
  });

  it('lines within boot_window_ms after open are ignored and counted; later lines are parsed', async () => {
    const { device, path } = await plug('boot');
    const windowMs = 1500;
    const rig = await startDevice('boot', path, { boot_window_ms: windowMs });
    await view.waitLast('gw/rec/boot/availability', 'online');
    const openedAt = rig.logs.find((l) => l.msg === 'serial port opened')!.time as number;
    await device.write('early:1\n');
    await waitFor(() => rig.status().counters.boot_ignored === 1, 5000, 'boot_ignored counted');
    assert.equal(view.payloads('gw/rec/boot/state').length, 0);
    // keep talking until a line gets through: it must be after the window
    let n = 0;
    const ticker = setInterval(() => void device.write(`tick:${++n}\n`).catch(() => undefined), 200);
    try {
      await view.waitPayload('gw/rec/boot/state', /tick/, 8000);
    } finally {
      clearInterval(ticker);
    }
    const first = rig.status().lastReading!;
    assert.ok(first.at >= openedAt + windowMs - 50, `first reading ${first.at - openedAt} ms after open`);
    assert.ok(!view.payloads('gw/rec/boot/state').some((p) => p.includes('early')));
  });

  it('availability_timeout: offline after silence, online again with the next byte', async () => {
    const { device, path } = await plug('quiet');
    const rig = await startDevice('quiet', path, { availability_timeout: 1 });
    await view.waitLast('gw/rec/quiet/availability', 'online');
    await device.write('a:1\n');
    await view.waitPayload('gw/rec/quiet/a', /1/);
    await view.waitLast('gw/rec/quiet/availability', 'offline', 5000);
    assert.equal(rig.status().state, 'running', 'the port stays open');
    assert.ok(rig.logs.some((l) => /no data for 1 s/.test(l.msg)));
    await device.write('a:2\n');
    await view.waitLast('gw/rec/quiet/availability', 'online');
    // and the timer is re-armed: quiet again gives offline again
    await view.waitLast('gw/rec/quiet/availability', 'offline', 5000);
    assert.deepEqual(view.payloads('gw/rec/quiet/availability'), ['online', 'offline', 'online', 'offline']);
  });

  it('set_rate_limit: commands above the rate are dropped and counted, not queued', async () => {
    const { device, path } = await plug('rate');
    const rig = await startDevice('rate', path, { set_rate_limit: 1, line_ending: 'crlf' });
    await view.waitLast('gw/rec/rate/availability', 'online');
    const pub = await connect(tb.port, { clientId: 'serial-rec-cmd' });
    try {
      // sent back to back: a token bucket of 1/s lets the first through (a second only if a whole second passed)
      await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((c) => pub.client.publishAsync('gw/rec/rate/set', c, { qos: 1 })));
      await waitFor(() => rig.status().counters.commands! + rig.status().counters.commands_dropped! === 5, 5000, 'five commands handled');
    } finally {
      await pub.end();
    }
    await device.waitReceived(/^c1\r\n/);
    const written = rig.status().counters.commands!;
    assert.ok(written >= 1 && written <= 2, `written ${written}`);
    assert.equal(rig.status().counters.commands_dropped, 5 - written);
    await waitFor(() => device.received().split('\r\n').length - 1 === written, 5000, `${written} line(s) at the device`);
    assert.ok(rig.logs.some((l) => l.reason === 'rate_limited'));
  });
});
