/**
 * SerialAdapter's own logic with the hardware seam (finding and opening
 * the port) replaced: a broken serial stack never makes start() reject or
 * the process crash, and the adapter recovers once the port can be opened.
 * The real port path is covered by test/integration/serial-*.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus } from '../../src/adapters/types.js';
import { SerialAdapter } from '../../src/adapters/serial/serial-adapter.js';
import type { LinkEvents, OpenLink } from '../../src/adapters/serial/port-link.js';
import { validateConfig } from '../../src/config/validate.js';
import { capturingLogger } from '../helpers/serial-harness.js';
import { waitFor } from '../helpers/wait.js';

function recordingBus(): Bus & { sent: Array<[string, string]> } {
  const sent: Array<[string, string]> = [];
  return {
    sent,
    publish: (topic, payload) => (sent.push([topic, payload.toString()]), 0),
    subscribe: () => () => undefined,
  };
}

const device = validateConfig({
  serial: [{ name: 'esp-1', usb_vendor_id: '1a86', usb_product_id: '7523', topic_prefix: 'gw/t', boot_window_ms: 0, reopen_min_ms: 100, reopen_max_ms: 100 }],
}).serial[0]!;

describe('SerialAdapter without hardware', () => {
  it('a failing port list (both serialport and sysfs) is an error state and a retry, not a rejection', async () => {
    const bus = recordingBus();
    const { logger, logs } = capturingLogger();
    let lists = 0;
    let events: LinkEvents | undefined;
    const adapter = new SerialAdapter(device, { bus, logger }, {
      finder: {
        list: async () => {
          if (++lists < 3) throw new Error('udevadm missing');
          return [{ path: '/dev/ttyUSB3', vendorId: '1A86', productId: '7523', serialNumber: undefined }];
        },
        sysfsList: async () => {
          throw new Error('sysfs unreadable');
        },
      },
      open: async (_path, _settings, e): Promise<OpenLink> => {
        events = e;
        return { write: async () => undefined, close: async () => undefined };
      },
    });
    try {
      await adapter.start();
      assert.equal(adapter.status().state, 'error');
      assert.match(adapter.status().lastError ?? '', /serial support failed: sysfs unreadable/);
      assert.deepEqual(bus.sent.at(-1), ['gw/t/esp-1/availability', 'offline']);
      await waitFor(() => adapter.status().state === 'running', 5000, 'running after the list works');
      assert.equal(lists, 3);
      assert.deepEqual(bus.sent.at(-1), ['gw/t/esp-1/availability', 'online']);
      assert.ok(logs.some((l) => l.msg === 'serial port opened' && l.path === '/dev/ttyUSB3'));
      events!.data(Buffer.from('t:1\n'));
      assert.deepEqual(adapter.status().lastReading?.values, { t: 1 });
    } finally {
      await adapter.stop();
    }
    assert.equal(adapter.status().state, 'stopped');
    assert.deepEqual(bus.sent.at(-1), ['gw/t/esp-1/availability', 'offline']);
  });

  it('stop() during a pending retry cancels it', async () => {
    const bus = recordingBus();
    let lists = 0;
    const adapter = new SerialAdapter(device, { bus, logger: capturingLogger().logger }, {
      finder: { list: async () => (lists++, []), sysfsList: async () => [] },
    });
    await adapter.start();
    assert.equal(adapter.status().state, 'waiting');
    assert.match(adapter.status().lastError ?? '', /no port matches USB 1a86:7523/);
    await waitFor(() => lists >= 2, 5000, 'a retry'); // retries run while started
    await adapter.stop();
    const after = lists;
    // absence check: 3x reopen_max_ms is ample for a leaked timer to fire
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(lists, after);
    assert.equal(adapter.status().state, 'stopped');
  });
});
