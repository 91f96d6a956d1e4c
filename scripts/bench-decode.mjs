#!/usr/bin/env node
// Inbound decode cost per packet kind (issue 18): COUNT packets of one kind,
// 100 to a chunk as a busy socket delivers them, through the decoder of a
// build (dist/ by default; give another build's dist to compare, e.g. main's).
// Detects which decoder the build has: src/broker/decode/ (Midge's own) or
// the older publish-decode.ts fast path + pooled mqtt-packet parser (with the
// property checks dispatch ran on every packet).
// Usage: npm run build && node scripts/bench-decode.mjs [KIND|all] [COUNT=200000] [DIST=dist]
//   under callgrind: valgrind --tool=callgrind node scripts/bench-decode.mjs pub0 200000
//   (subtract a run with COUNT=0 for the start-up's share)
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import mqtt from 'mqtt-packet';

const [kindArg = 'all', countArg = '200000', distArg = 'dist'] = process.argv.slice(2);
const COUNT = Number(countArg);
const dist = resolve(distArg);
const PER_CHUNK = 100;
const payload = Buffer.alloc(64, 0x61);
const KINDS = {
  pub0: [4, { cmd: 'publish', topic: 'sensors/room1/temperature', payload, qos: 0, retain: false, dup: false }],
  pub1: [4, { cmd: 'publish', topic: 'sensors/room1/temperature', payload, qos: 1, messageId: 7, retain: false, dup: false }],
  pub5: [5, { cmd: 'publish', topic: 'sensors/room1/temperature', payload, qos: 1, messageId: 7, retain: false, dup: false }],
  pub5props: [5, { cmd: 'publish', topic: 'sensors/room1/temperature', payload, qos: 1, messageId: 7, retain: false, dup: false, properties: { messageExpiryInterval: 60, contentType: 'application/json', userProperties: { site: 'north' } } }],
  puback: [4, { cmd: 'puback', messageId: 7 }],
  puback5rc: [5, { cmd: 'puback', messageId: 7, reasonCode: 0x10 }],
  subscribe: [4, { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/+/c', qos: 1 }, { topic: 'd/#', qos: 0 }] }],
  pingreq: [4, { cmd: 'pingreq' }],
  connect: [4, { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'sensor-0042', clean: true, keepalive: 60, username: 'u', password: Buffer.from('p') }],
  connect5: [5, { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'sensor-0042', clean: true, keepalive: 60, properties: { sessionExpiryInterval: 3600, receiveMaximum: 20 } }],
};

async function makeDecoder() {
  if (existsSync(`${dist}/broker/decode/frame.js`)) {
    const { decodeFrame, newStreamState } = await import(`${dist}/broker/decode/frame.js`);
    const next = { end: 0, need: 0 };
    return (chunk, version, connected, onPacket) => {
      const state = newStreamState(0);
      if (connected) Object.assign(state, { version, first: false });
      let at = 0;
      while (at < chunk.length) {
        const p = decodeFrame(chunk, at, state, next);
        if (p === undefined) throw new Error('cut');
        at = next.end;
        onPacket(p);
      }
    };
  }
  const { decodePublishes } = await import(`${dist}/broker/publish-decode.js`);
  const { borrowParser, returnParser, INITIAL_SETTINGS, settingsFor } = await import(`${dist}/broker/parser-pool.js`);
  const { checkProperties } = await import(`${dist}/broker/packet-properties.js`);
  return (chunk, version, connected, onPacket) => {
    const sink = { onPacket: (p) => (checkProperties(p), onPacket(p)), onStringProblem: (m) => { throw new Error(m); }, onParseError: (e) => { throw e; } };
    let rest = chunk;
    if (connected) {
      const used = decodePublishes(chunk, version === 5, sink);
      if (used === chunk.length) return;
      rest = chunk.subarray(used);
    }
    const parser = borrowParser(sink, connected ? settingsFor({ protocolVersion: version }) : INITIAL_SETTINGS);
    parser.parse(rest);
    if (parser.checks.problem) throw new Error(parser.checks.problem);
    if (!returnParser(parser)) throw new Error('parser not at a boundary');
  };
}

const decode = await makeDecoder();
for (const kind of kindArg === 'all' ? Object.keys(KINDS) : [kindArg]) {
  const [version, packet] = KINDS[kind];
  const isConnect = packet.cmd === 'connect';
  const one = mqtt.generate(packet, { protocolVersion: version });
  const chunk = isConnect ? one : Buffer.concat(Array.from({ length: PER_CHUNK }, () => one));
  const perChunk = isConnect ? 1 : PER_CHUNK;
  let n = 0;
  const onPacket = () => void n++;
  // CPU time of this process, not wall time: on a shared machine waiting for a CPU is not decoding
  const c0 = process.cpuUsage();
  for (let i = 0; i < COUNT; i += perChunk) decode(chunk, version, !isConnect, onPacket);
  const cpu = process.cpuUsage(c0);
  const ms = (cpu.user + cpu.system) / 1000;
  if (n !== Math.ceil(COUNT / perChunk) * perChunk) throw new Error(`${kind}: decoded ${n}`);
  console.log(`${kind.padEnd(10)} ${String(one.length).padStart(4)} B  ${n} packets  ${ms.toFixed(1)} ms CPU  ${((ms * 1e6) / Math.max(n, 1)).toFixed(0)} ns/packet`);
}
