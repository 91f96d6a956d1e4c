#!/usr/bin/env node
// CONNECT with many user properties (issue 18): where the parse time goes.
// Compares mqtt-packet's parser alone with Midge's own decoder
// (src/broker/decode/: strict strings, property table), first run (cold JIT)
// and the median of later runs, whole and cut into 1448-byte chunks (a TCP
// segment each; the chunks are collected and decoded once complete, as the
// connection does).
// Usage: npm run build && node scripts/bench-connect-properties.mjs [PROPERTIES=5000] [RUNS=40]
import mqtt from 'mqtt-packet';
import { decodeFrame, newStreamState } from '../dist/broker/decode/frame.js';

const count = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 40);
const userProperties = {};
for (let i = 0; i < count; i++) userProperties[`k${i}`] = `v${i}`;
const bytes = mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'bench', clean: true, keepalive: 60, properties: { userProperties } });

function measure(makeParser, chunkSize) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const { parse, done } = makeParser();
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i += chunkSize) parse(bytes.subarray(i, i + chunkSize));
    times.push(done() - t0);
  }
  const first = times[0];
  const rest = times.slice(1).sort((a, b) => a - b);
  return `first ${first.toFixed(1)} ms, median ${rest[rest.length >> 1].toFixed(2)} ms`;
}

const plain = () => {
  const parser = mqtt.parser({ protocolVersion: 5 });
  let at = 0;
  parser.on('packet', () => (at = performance.now()));
  return { parse: (b) => parser.parse(b), done: () => at };
};
const midge = () => {
  // as connection.ts: collect the chunks until the packet's Remaining Length says it is complete, then decode once
  const state = newStreamState(0);
  const next = { end: 0, need: 0 };
  let chunks = [];
  let bytes = 0;
  let at = 0;
  return {
    parse: (b) => {
      chunks.push(b);
      bytes += b.length;
      if (next.need > 0 && bytes < next.need) return;
      const buf = Buffer.concat(chunks, bytes);
      chunks = [buf];
      if (decodeFrame(buf, 0, state, next) !== undefined) at = performance.now();
    },
    done: () => at,
  };
};

console.log(`CONNECT of ${bytes.length} bytes with ${count} user properties, ${runs} runs each`);
for (const chunk of [bytes.length, 1448]) {
  console.log(`  chunks of ${chunk} bytes`);
  console.log(`    mqtt-packet parser:   ${measure(plain, chunk)}`);
  console.log(`    Midge decoder:        ${measure(midge, chunk)}`);
}
