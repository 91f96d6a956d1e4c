#!/usr/bin/env node
// The power-cut test (docs/persistence.md, "Power-cut test"): the real midge in a qemu VM, QoS 1 and
// QoS 2 traffic from this host to an offline persistent subscriber plus one retained update per cycle,
// qemu SIGKILLed at a random moment mid-stream, boot again, count.
//
//   npm run powercut [-- N] [--synchronous normal|full] [--unsafe] [--seed S]
//
// N cycles (default 20, or MIDGE_POWERCUT_CYCLES). midge runs with the store's default durability
// unless --synchronous is given; --unsafe is --synchronous normal (MIDGE_POWERCUT_UNSAFE=1), which
// is expected to LOSE acknowledged messages. Exits 1 on any loss, QoS 2 duplicate, wrong retained
// value or database that did not open; 2 when the VM cannot be run at all.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildImages, outDir } from './build-images.mjs';
import { Ledger, cycleLine, summaryTable } from './check.mjs';
import { Publisher, connect, drain, publishRetained, readRetained, subscribeOnce, waitForBroker } from './traffic.mjs';
import { bootVm, createDataDisk, freePort, guestConfig } from './vm.mjs';

const WARM_MS = 3000; // traffic before the earliest cut (JIT warm-up)
const CUT_SPREAD_MS = 3000; // the cut falls uniformly in [WARM_MS, WARM_MS + CUT_SPREAD_MS)

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { synchronous: { type: 'string' }, unsafe: { type: 'boolean' }, seed: { type: 'string' } },
});
const cycles = Number(positionals[0] ?? process.env.MIDGE_POWERCUT_CYCLES ?? 20);
const unsafe = values.unsafe || process.env.MIDGE_POWERCUT_UNSAFE === '1';
const synchronous = unsafe ? 'normal' : values.synchronous;
if (!Number.isInteger(cycles) || cycles < 1 || (synchronous && !['normal', 'full'].includes(synchronous))) {
  console.error('usage: powercut.mjs [CYCLES] [--synchronous normal|full] [--unsafe] [--seed S]');
  process.exit(2);
}
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;

/** mulberry32: the cut moments of a run are replayable with --seed. */
function rng(s) {
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = rng(seed);
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves when `c`'s connection has closed (the cut closes it), or after 10 s. Call before the cut. */
const closed = (c) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    c.once('close', () => {
      clearTimeout(timer);
      setImmediate(resolve); // acknowledgements read with the last segment are handled first
    });
  });

/** Traffic until a random moment, then the power cut. Returns what was acknowledged before it. */
async function trafficAndCut(vm, port, ledger, cycle) {
  const clients = await Promise.all([1, 2].map((q) => connect(port, { clientId: `powercut-q${q}` })));
  const pubs = clients.map((c, i) => new Publisher(c, i + 1, `c${cycle}`));
  for (const p of pubs) p.start();
  const cutAt = WARM_MS + random() * CUT_SPREAD_MS;
  const retainAt = WARM_MS / 2 + random() * (cutAt - WARM_MS / 2);
  const value = ++ledger.retainedSent;
  let retainedAcked = false;
  void delay(retainAt).then(async () => (retainedAcked = await publishRetained(clients[0], value)));
  await delay(cutAt);
  const allClosed = Promise.all(clients.map(closed));
  await vm.cut();
  // PUBACKs the guest sent before the cut may still sit in the host's socket buffers: read them all.
  await allClosed;
  if (retainedAcked) ledger.retainedAcked = value;
  for (const c of clients) c.end(true);
  return { acked: pubs.flatMap((p) => p.acked), sent: pubs.reduce((s, p) => s + p.sent, 0), trafficMs: Math.round(cutAt) };
}

async function boot(ctx) {
  const vm = await bootVm(ctx);
  await waitForBroker(ctx.port);
  return vm;
}

async function main() {
  let images;
  try {
    images = buildImages((m) => console.log(m));
  } catch (err) {
    console.error(`power-cut test: cannot build the VM images: ${err.message}`);
    process.exit(2);
  }
  const runDir = join(outDir, 'run');
  const logFile = join(runDir, 'console.log');
  rmSync(runDir, { recursive: true, force: true });
  const dataDisk = join(runDir, 'data.img');
  createDataDisk(dataDisk, guestConfig(synchronous));
  const ctx = { images, dataDisk, port: await freePort(), logFile };
  const mode = synchronous ? `persistence.synchronous: ${synchronous}` : 'the default persistence.synchronous';
  console.log(`power-cut test: ${cycles} cycles, ${mode}, seed ${seed}, guest console in ${logFile}`);
  const ledger = new Ledger();
  let vm = await boot(ctx);
  console.log(`first boot: ${(vm.bootMs / 1000).toFixed(1)} s to midge listening`);
  await subscribeOnce(ctx.port);
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const before = await trafficAndCut(vm, ctx.port, ledger, cycle);
    vm = await boot(ctx);
    const { got: drained, sessionLost } = await drain(ctx.port, `marker:${cycle}`);
    const retained = await readRetained(ctx.port);
    const row = ledger.check({ cycle, ...before, drained, sessionLost, retained, console: vm.console(), bootMs: vm.bootMs });
    console.log(cycleLine(row, cycles));
  }
  await vm.cut();
  console.log(`\n${summaryTable(ledger.rows)}\n`);
  const total = ledger.rows.reduce((s, r) => s + r.lost, 0);
  console.log(ledger.failed ? `power-cut test FAILED (${mode}): ${total} acknowledged messages lost` : `power-cut test passed (${mode})`);
  process.exitCode = ledger.failed ? 1 : 0;
}

main().catch((err) => {
  console.error(`power-cut test: ${err.stack ?? err}`);
  process.exit(2);
});
