/**
 * The status page in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): it renders the gateway's state, fits a phone screen,
 * and a value published over MQTT by a real client appears, then changes,
 * on the page. The screenshot goes to build/status-page.png;
 * MIDGE_UPDATE_SCREENSHOT=1 also writes docs/status-page.png (the README's).
 * Without Chromium the test is skipped, except under CI=true where it must run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { connect } from '../helpers/clients.js';
import type { TestClient } from '../helpers/clients.js';
import { repoRoot } from '../helpers/repo-root.js';
import { adapterStatus, bridgeStatus, startStatusGateway } from '../helpers/status-gateway.js';
import type { StatusGateway } from '../helpers/status-gateway.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find((p) => existsSync(p));
const skip = CHROMIUM === undefined && process.env['CI'] !== 'true' ? 'Chromium not installed (apt-get install chromium); runs under CI=true' : false;

describe('status page in a browser', { skip }, () => {
  let g: StatusGateway;
  let browser: Browser;
  const clients: TestClient[] = [];
  before(async () => {
    assert.ok(CHROMIUM, 'CI=true: the chromium package must be installed (.ci/run installs it)');
    g = await startStatusGateway();
    g.bridges = [bridgeStatus(), bridgeStatus({ name: 'azure', type: 'azure', queueDepth: 0, oldestAgeSeconds: null, sendRate: 0, sentTotal: 310, deadLetters: 0 })];
    g.adapters = [
      adapterStatus(),
      adapterStatus({ kind: 'gpio', name: 'door', counters: { edges: 7 }, lastReading: { at: Date.now(), values: { state: 'ON' } } }),
    ];
    for (const id of ['greenhouse-sensor', 'node-red']) clients.push(await connect(g.mqttPort, { clientId: id }));
    await clients[1]!.client.subscribeAsync('sensors/#');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });
  after(async () => {
    await browser?.close();
    for (const c of clients) await c.end();
    await g?.stop();
  });

  it('shows the gateway, then a published value live, and fits a phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${g.url}/`);
    await page.locator('#health', { hasText: 'healthy' }).waitFor({ timeout: 10_000 });
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#bridges tbody tr').count(), 2);
    assert.match(await page.locator('#devices').innerText(), /uart0[\s\S]*temperature 21\.5/);
    assert.match(await page.locator('#clients').innerText(), /greenhouse-sensor/);

    const pub = clients[0]!.client;
    const cell = page.locator('tr[data-topic="sensors/greenhouse/temperature"] td.value');
    await pub.publishAsync('sensors/greenhouse/temperature', '21.5', { qos: 1 });
    await pub.publishAsync('sensors/greenhouse/humidity', '64', { qos: 0 });
    await page.locator('tr[data-topic="sensors/greenhouse/temperature"] td.value', { hasText: '21.5' }).waitFor({ timeout: 5000 });
    await pub.publishAsync('sensors/greenhouse/temperature', '<b>22.0</b>', { qos: 1 });
    await page.locator('tr[data-topic="sensors/greenhouse/temperature"] td.value', { hasText: '<b>22.0</b>' }).waitFor({ timeout: 5000 });
    assert.equal(await cell.innerText(), '<b>22.0</b>', 'payloads are text, never markup');
    await pub.publishAsync('sensors/greenhouse/temperature', '22.5', { qos: 1 });
    await page.locator('tr[data-topic="sensors/greenhouse/temperature"] td.value', { hasText: '22.5' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#messages tbody tr').count(), 2, 'one row per topic');

    const out = join(repoRoot(), 'build', 'status-page.png');
    mkdirSync(join(repoRoot(), 'build'), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    const png = readFileSync(out);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 1100, 'screenshot width');
    assert.ok(png.length > 30_000, `a screenshot with content, got ${png.length} bytes`);
    if (process.env['MIDGE_UPDATE_SCREENSHOT'] === '1') copyFileSync(out, join(repoRoot(), 'docs', 'status-page.png'));

    await page.setViewportSize({ width: 375, height: 740 });
    // a string, evaluated in the page (the tests compile without DOM types)
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
    assert.deepEqual(errors, []);
    await page.close();
  });
  it('health with units and human sizes, nulls hidden; serial counters folded; log times local; a favicon', async () => {
    g.adapters = [
      adapterStatus({
        counters: { lines_parsed: 120, bytes_in: 5000, disconnects: 0, nmea_bad_checksum: 0, boot_noise: 0 },
      }),
      adapterStatus({
        kind: 'health', name: 'health', counters: { polls_skipped: 0 }, units: { mem_total: 'B', cpu_temp: '°C', uptime: 's', cpu_load: '%' },
        lastReading: { at: Date.now(), values: { mem_total: 25276182528, cpu_temp: null, uptime: 90061, cpu_load: 12.5 } },
      }),
    ];
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, timezoneId: 'Pacific/Kiritimati' }); // UTC+14: never the UTC hour
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${g.url}/`);
    await page.locator('#devices', { hasText: 'mem_total' }).waitFor({ timeout: 10_000 });
    const devices = await page.locator('#devices').innerText();
    assert.match(devices, /mem_total 25\.3 GB/);
    assert.match(devices, /uptime 1 d 1 h/);
    assert.match(devices, /cpu_load 12\.5 %/);
    assert.doesNotMatch(devices, /cpu_temp|null/);
    assert.match(devices, /lines parsed 120, bytes in 5,000/);
    assert.doesNotMatch(devices, /nmea_bad_checksum|disconnects/, 'zero counters are folded away');
    assert.equal(await page.locator('#devices details').count(), 1, 'the serial device folds its other counters');
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    assert.ok(href, 'the page names its icon');
    assert.equal((await fetch(new URL(href, `${g.url}/`))).status, 200);
    await page.locator('#logs div').first().waitFor({ timeout: 10_000 });
    const firstLog = await page.locator('#logs div').first().innerText();
    const utcHour = /T(\d\d):/.exec(new Date().toISOString())![1];
    assert.doesNotMatch(firstLog, /^\d{4}-\d\d-\d\dT/, 'not the ISO UTC stamp');
    assert.ok(!firstLog.startsWith(`${utcHour}:`), `log time in local time: ${firstLog}`);
    assert.deepEqual(missing, []);
    await page.close();
  });
});
